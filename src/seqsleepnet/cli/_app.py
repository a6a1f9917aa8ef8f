"""The typer application, its MNE-style help and the error handling every command shares."""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from seqsleepnet._version import __version__
from seqsleepnet.errors import SeqSleepNetError, shorten

F = TypeVar("F", bound=Callable[..., Any])

PreprocessingOption = Annotated[
    Path | None,
    typer.Option(
        "--preprocessing",
        help="Settings file (JSON, or TOML by its .toml suffix) of roles, filters, rate, epoch "
        "length and STFT; settings left out keep the paper's values. "
        "'seqsleepnet preprocessing' prints them all.",
        show_default=False,
    ),
]

QuietOption = Annotated[
    bool,
    typer.Option(
        "--quiet", "-q", help="No progress (a bar on a terminal, else one line per step on stderr)."
    ),
]

OverwriteOption = Annotated[
    bool, typer.Option("--overwrite", help="Replace the output if it exists (else refused).")
]

_METAVARS = {"Path": "PATH", "int": "INTEGER", "float": "FLOAT", "str": "TEXT"}


class _Argument(TyperArgument):
    """A positional argument written as its upper-case name (``INPUTS...``), as MNE does."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None  # the name says what to give; no ``<list[Path]>`` column

    def get_usage_pieces(self, ctx: Any) -> list[str]:
        name = self.display_name_raw
        return [name if self.required else f"[{name}]"]


def _plain_metavar(param: Any) -> None:
    """Give a parameter an MNE-style metavar: none for a flag, ``PATH`` or ``INTEGER`` else."""
    if isinstance(param, TyperArgument) and not isinstance(param, _Argument):
        param.__class__ = _Argument  # only methods differ: the state is the parent's
        if param.metavar is None:
            dots = "..." if param.nargs != 1 else ""
            param.metavar = f"{(param.name or '').upper()}{dots}"
    elif isinstance(param, TyperOption) and param.metavar is None:
        if param.is_flag:
            param.metavar = ""
        else:
            bare = param.bare_type().removeprefix("list[").removesuffix("]")
            param.metavar = _METAVARS.get(bare, bare.upper())


class _PlainHelpCommand(TyperCommand):
    """A command whose help shows ``--out PATH`` and ``--json`` instead of typer's ``<path>``."""

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)
        for param in params:
            _plain_metavar(param)
        return params


class _PlainHelpGroup(TyperGroup):
    """The top-level group, with the options of :class:`_PlainHelpCommand`."""

    def get_params(self, ctx: Any) -> list[Any]:
        params = super().get_params(ctx)
        for param in params:
            _plain_metavar(param)
        return params


app = typer.Typer(
    cls=_PlainHelpGroup,
    name="seqsleepnet",
    help=(
        "Automatic sleep staging with SeqSleepNet (Phan et al., IEEE TNSRE 2019).\n\n"
        "Read PSG recordings and hypnograms, compute the paper's time-frequency "
        "features, generate synthetic nights, and train and run sleep-staging models. "
        "Run 'seqsleepnet COMMAND --help' for the options and an example of each command."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


_state = {"debug": False}  # set per invocation by the top-level callback


def _version(value: bool) -> None:
    if value:
        typer.echo(f"seqsleepnet {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the full traceback of an error.")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print version.")
    ] = False,
) -> None:
    _state["debug"] = debug
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s: %(message)s",
    )


def _debug_enabled() -> bool:
    return _state["debug"]


def friendly_errors(func: F) -> F:
    """Turn package exceptions and OS errors into one ``error: ...`` line and exit status 1.

    The line is cut to :data:`~seqsleepnet.errors.MAX_MESSAGE_CHARS` characters.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (SeqSleepNetError, OSError) as error:  # OSError: a full or read-only disk, ...
            if _debug_enabled():
                raise
            print(f"error: {shorten(str(error))}", file=sys.stderr)
            raise typer.Exit(code=1) from None

    return wrapper  # type: ignore[return-value]


def command(**kwargs: Any) -> Callable[[F], F]:
    """Register a subcommand on :data:`app` with the shared error handling."""

    def decorator(func: F) -> F:
        app.command(cls=_PlainHelpCommand, **kwargs)(friendly_errors(func))
        return func

    return decorator
