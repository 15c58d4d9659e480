"""Static reading: which problems a function can raise, without running it.

The reader parses the source of a function (``ast``), resolves the names it raises and
calls through the function's globals, closure and annotations, and follows calls into
the project's own functions and methods, across modules, to a bounded depth. Code
inside site-packages and the standard library is not read. What it cannot resolve
statically is kept as a ``Gap`` ("not followed"), never guessed.
"""

from __future__ import annotations

import ast
import builtins
import dataclasses
import functools
import inspect
import sys
import sysconfig
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException

from ._problem import Problem
from ._translate import ToClass, Translations, UsersMapping


@dataclasses.dataclass(frozen=True)
class Raised:
    """A problem a route can answer with, and where it comes from."""

    status: int
    name: str  # the class raised (a mapped exception's own name)
    problem: str  # the Problem class that answers it
    file: str
    line: int
    chain: tuple[str, ...]  # the calls from the entry point to the raising function
    # The class raised, for an enclosing ``except`` to be matched against.
    exception: type[BaseException] = dataclasses.field(default=Exception, compare=False, repr=False)

    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclasses.dataclass(frozen=True)
class Gap:
    """Something static reading could not follow, and where."""

    what: str
    file: str
    line: int
    chain: tuple[str, ...]

    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclasses.dataclass
class Findings:
    raised: list[Raised] = dataclasses.field(default_factory=list)
    gaps: list[Gap] = dataclasses.field(default_factory=list)

    def extend(self, other: Findings, caller: str) -> None:
        self.raised += [dataclasses.replace(r, chain=(caller, *r.chain)) for r in other.raised]
        self.gaps += [dataclasses.replace(g, chain=(caller, *g.chain)) for g in other.gaps]


def _outside_paths() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    found = {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in paths}
    found |= {str(Path(p).resolve()) for p in found}
    return tuple(sorted(found, key=len, reverse=True))


_OUTSIDE = _outside_paths()
_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ()))


def in_project(obj: Any) -> bool:
    """Whether ``obj`` (a function, class or module) is the project's own code: defined
    in a file that is neither in site-packages nor in the standard library."""
    module = getattr(obj, "__module__", None) or getattr(obj, "__name__", "")
    if isinstance(module, str) and module.partition(".")[0] == "asgi_problems":
        return False  # this library, wherever it is installed
    try:
        file = inspect.getsourcefile(obj)
    except TypeError:  # builtins, C extensions
        return False
    if file is None:
        return False
    resolved = str(Path(file).resolve())
    return not any(
        resolved.startswith(root + "/") or file.startswith(root + "/") for root in _OUTSIDE
    )


class _Parsed:
    """The def and lambda nodes of source files, by name and first line; each file
    parsed once."""

    def __init__(self) -> None:
        self.files: dict[str, dict[tuple[str, int], ast.AST]] = {}

    def node_of(self, code: types.CodeType) -> ast.AST | None:
        """The def or lambda node that compiled to ``code``."""
        index = self.files.get(code.co_filename)
        if index is None:
            index = self.files[code.co_filename] = _index(code.co_filename)
        return index.get((code.co_name, code.co_firstlineno))


def _index(file: str) -> dict[tuple[str, int], ast.AST]:
    try:
        tree = ast.parse(Path(file).read_text(encoding="utf-8"), file)
    except (OSError, SyntaxError, ValueError):
        return {}
    index: dict[tuple[str, int], ast.AST] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            # A decorated function's code starts at its first decorator.
            for line in (node.lineno, *(d.lineno for d in node.decorator_list[:1])):
                index.setdefault((node.name, line), node)
        elif isinstance(node, ast.Lambda):
            index.setdefault(("<lambda>", node.lineno), node)
    return index


class Reader:
    """Reads functions for the problems they can raise; one per app checked.

    ``translations`` says which exceptions are problems (the app's ``mapping``);
    ``depth`` bounds how many calls deep the reading goes.
    """

    def __init__(self, translations: Translations, depth: int = 5) -> None:
        self.translations = translations
        self.depth = depth
        self.parsed = _Parsed()
        self._memo: dict[tuple[Any, ...], Findings] = {}
        self._reading: set[tuple[Any, ...]] = set()

    def read(self, target: Any) -> Findings:
        """What ``target`` can raise: a function or method, a class (its ``__init__``
        and ``__call__`` are read), or an instance with ``__call__``."""
        found = Findings()
        for function, owner in _entry_functions(target):
            if in_project(function):
                found.extend(self._read(function, owner, self.depth), _label(function))
            else:  # a dependency another package provides (FastAPI's security schemes)
                code = getattr(function, "__code__", None)
                file, line = (code.co_filename, code.co_firstlineno) if code else ("?", 0)
                module = getattr(function, "__module__", None) or "?"
                found.gaps.append(Gap(f"{CALL_INTO} {module} ({_label(function)})", file, line, ()))
        return found

    def _read(self, function: Any, owner: type | None, depth: int) -> Findings:
        function = inspect.unwrap(function)
        code = getattr(function, "__code__", None)
        if code is None:
            return Findings()
        key = (code, owner, depth)
        if key in self._memo:
            return self._memo[key]
        if key in self._reading:  # recursion: what it raises is found on the way in
            return Findings()
        self._reading.add(key)
        try:
            found = self._walk(function, owner, depth)
        finally:
            self._reading.discard(key)
        self._memo[key] = found
        return found

    def _walk(self, function: Any, owner: type | None, depth: int) -> Findings:
        node = self.parsed.node_of(function.__code__)
        found = Findings()
        if node is None:
            found.gaps.append(
                Gap(
                    "its source cannot be read",
                    function.__code__.co_filename,
                    function.__code__.co_firstlineno,
                    (),
                )
            )
            return found
        scope = _Scope(function, owner, node)
        file = function.__code__.co_filename
        body = getattr(node, "body", [])
        body = body if isinstance(body, list) else [body]  # a lambda's is one expression
        for statement in body:
            for item, handlers, guards in _walk_statement(statement, ()):
                here = Findings()
                if isinstance(item, ast.Raise):
                    self._raise(item, handlers, scope, file, here)
                elif isinstance(item, ast.Call):
                    self._call(item, scope, file, depth, here)
                found.raised += [r for r in here.raised if not _swallowed(r, guards, scope)]
                found.gaps += here.gaps
        return found

    # Raises.

    def _raise(
        self,
        node: ast.Raise,
        handlers: tuple[ast.ExceptHandler, ...],
        scope: _Scope,
        file: str,
        found: Findings,
    ) -> None:
        exc = node.exc
        if exc is None:  # a bare raise: what the enclosing except caught
            if handlers:
                for cls in _caught(handlers[-1], scope):
                    self._problem(cls, None, scope, file, node.lineno, found)
            return
        target = exc.func if isinstance(exc, ast.Call) else exc
        if isinstance(target, ast.Name):
            for handler in reversed(handlers):
                if handler.name == target.id and not isinstance(exc, ast.Call):
                    for cls in _caught(handler, scope):
                        self._problem(cls, None, scope, file, node.lineno, found)
                    return
        resolved = scope.resolve(target)
        if isinstance(resolved, type) and issubclass(resolved, BaseException):
            call = exc if isinstance(exc, ast.Call) else None
            self._problem(resolved, call, scope, file, node.lineno, found)
        else:
            text = ast.unparse(target)
            found.gaps.append(
                Gap(
                    f"a raise of {text}, whose class is known only at run time",
                    file,
                    node.lineno,
                    (),
                )
            )

    def _problem(
        self,
        cls: type[BaseException],
        call: ast.Call | None,
        scope: _Scope,
        file: str,
        line: int,
        found: Findings,
    ) -> None:
        """Record ``cls`` raised at ``line`` if it is answered by a problem (a crash is
        not the route's business)."""
        if issubclass(cls, Problem):
            status = cls.status
            if cls is Problem:
                status = _literal_status(call, scope, ("status",), None) or 0
            if status == 0 or not 400 <= status <= 599:
                found.gaps.append(
                    Gap(f"a {cls.__name__} whose status is set at run time", file, line, ())
                )
                return
            found.raised.append(Raised(status, cls.__name__, cls.__name__, file, line, (), cls))
            return
        if issubclass(cls, HTTPException):
            given = _literal_status(call, scope, ("status_code",), 0)
            if given is None:
                found.gaps.append(
                    Gap(f"a {cls.__name__} whose status is set at run time", file, line, ())
                )
            elif 400 <= given <= 599:
                found.raised.append(Raised(given, cls.__name__, cls.__name__, file, line, (), cls))
            return
        if not issubclass(cls, Exception):
            return
        translator = self.translations.rule(cls)
        if translator is None:
            return  # a crash: a 500, which no route documents
        for problem in self._mapped(cls, translator):
            found.raised.append(
                Raised(problem.status, cls.__name__, problem.__name__, file, line, ())
            )
        if not self._mapped(cls, translator):
            found.gaps.append(
                Gap(
                    f"the mapping of {cls.__name__}, a callable whose answer is known only at run time",
                    file,
                    line,
                    (),
                )
            )

    def _mapped(self, cls: type[BaseException], translator: Any) -> list[type[Problem]]:
        """The Problem classes the app's mapping answers ``cls`` with, as far as they
        can be read: a class, or the classes a mapping callable returns."""
        if isinstance(translator, ToClass):
            return [translator.problem_class]
        if isinstance(translator, UsersMapping):
            return list(dict.fromkeys(self._returned(translator.function)))
        return []

    def _returned(self, function: Any) -> Iterator[type[Problem]]:
        """The Problem classes a mapping callable constructs in what it returns."""
        function = inspect.unwrap(function)
        code = getattr(function, "__code__", None)
        node = self.parsed.node_of(code) if code is not None else None
        if node is None:
            return
        scope = _Scope(function, None, node)
        values = (
            [node.body]
            if isinstance(node, ast.Lambda)
            else [n.value for n in ast.walk(node) if isinstance(n, ast.Return) and n.value]
        )
        for value in values:
            call = value.func if isinstance(value, ast.Call) else value
            resolved = scope.resolve(call)
            if isinstance(resolved, type) and issubclass(resolved, Problem):
                yield resolved

    # Calls.

    def _call(self, node: ast.Call, scope: _Scope, file: str, depth: int, found: Findings) -> None:
        resolved = scope.resolve(node.func)
        if resolved is _UNKNOWN:
            receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
            if receiver is not None and scope.is_plain_data(receiver):
                return  # a method of a str, dict, list ... the function made itself
            text = ast.unparse(node.func)
            if receiver is not None:
                what = f"{METHOD_OF_A_VALUE} ({text})"
            else:
                what = f"a call to {text}, which is known only at run time"
            found.gaps.append(Gap(what, file, node.lineno, ()))
            return
        if resolved is _IGNORED:
            return
        for function, owner in _entry_functions(resolved, constructing=True):
            if not in_project(function):
                module = getattr(function, "__module__", None) or "?"
                if module.partition(".")[0] in _STDLIB or module == "builtins":
                    continue
                found.gaps.append(
                    Gap(f"{CALL_INTO} {module} ({_label(function)})", file, node.lineno, ())
                )
                continue
            if depth <= 0:
                found.gaps.append(
                    Gap(
                        f"a call to {_label(function)}, deeper than the depth read",
                        file,
                        node.lineno,
                        (),
                    )
                )
                continue
            found.extend(self._read(function, owner, depth - 1), _label(function))


def _label(function: Any) -> str:
    return str(
        getattr(function, "__qualname__", None) or getattr(function, "__name__", repr(function))
    )


def _entry_functions(target: Any, constructing: bool = False) -> Iterator[tuple[Any, type | None]]:
    """The functions that run when ``target`` is called, with the class they belong to."""
    if isinstance(target, Method):
        yield target.function, target.owner
        return
    if isinstance(target, (staticmethod, classmethod)):
        target = target.__func__
    if isinstance(target, functools.partial):
        target = target.func
    if inspect.ismethod(target):
        owner = target.__self__ if isinstance(target.__self__, type) else type(target.__self__)
        yield target.__func__, owner
    elif inspect.isfunction(target):
        yield target, None
    elif isinstance(target, type):
        if issubclass(target, BaseException):
            return  # constructing an exception raises nothing of the app's
        for name in ("__init__",) if constructing else ("__init__", "__call__"):
            method = target.__dict__.get(name) or _inherited(target, name)
            if inspect.isfunction(method):
                yield method, target
    elif callable(target) and not isinstance(target, types.BuiltinFunctionType):
        call = inspect.getattr_static(type(target), "__call__", None)
        if inspect.isfunction(call):
            yield call, type(target)


def _inherited(cls: type, name: str) -> Any:
    for base in cls.__mro__[1:]:
        if base is object:
            return None
        if name in base.__dict__:
            return base.__dict__[name]
    return None


# The kind of gap that most code has many of: ``session.get(...)`` on a value whose class
# static reading does not know. The report counts these rather than listing each.
METHOD_OF_A_VALUE = "a method of a value whose class is known only at run time"
CALL_INTO = "a call into"  # another package's code, which is not read

_UNKNOWN = object()  # a name or attribute static reading cannot resolve
_IGNORED = object()  # resolved, and nothing the app's problems can come from


class _Scope:
    """How the names of one function resolve: its locals' annotations and plain-data
    assignments, the class it belongs to (``self``), its closure and its globals."""

    def __init__(self, function: Any, owner: type | None, node: ast.AST) -> None:
        self.globals: dict[str, Any] = getattr(function, "__globals__", {})
        closure = getattr(function, "__closure__", None) or ()
        names = function.__code__.co_freevars
        self.closure = {}
        for name, cell in zip(names, closure, strict=False):
            try:
                self.closure[name] = cell.cell_contents
            except ValueError:  # an empty cell
                pass
        self.owner = owner
        self.hints = _hints(function)
        self.data: set[str] = set()  # locals bound to plain data (literals, builtins)
        self.locals: set[str] = set()
        arguments = getattr(node, "args", None)
        if isinstance(arguments, ast.arguments):
            every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
            every += [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
            self.locals |= {a.arg for a in every}
            self.first = every[0].arg if every else None
        else:
            self.first = None
        for item in ast.walk(node):
            if isinstance(item, ast.Assign):
                for target in item.targets:
                    if isinstance(target, ast.Name):
                        self.locals.add(target.id)
                        if _is_plain_data(item.value):
                            self.data.add(target.id)
            elif isinstance(item, (ast.AnnAssign, ast.AugAssign)) and isinstance(
                item.target, ast.Name
            ):
                self.locals.add(item.target.id)
            elif isinstance(item, (ast.For, ast.comprehension)):
                self.locals |= {n.id for n in ast.walk(item.target) if isinstance(n, ast.Name)}
            elif isinstance(item, (ast.With, ast.AsyncWith)):
                for with_item in item.items:
                    if with_item.optional_vars is not None:
                        self.locals |= {
                            n.id
                            for n in ast.walk(with_item.optional_vars)
                            if isinstance(n, ast.Name)
                        }
            elif isinstance(item, ast.NamedExpr):
                self.locals.add(item.target.id)

    def resolve(self, node: ast.expr) -> Any:
        """The object ``node`` names, or _UNKNOWN."""
        if isinstance(node, ast.Name):
            name = node.id
            if name in self.hints and name in self.locals:
                return _Typed(self.hints[name])
            if name in self.data:
                return _IGNORED
            if name == self.first and self.owner is not None and name in ("self", "cls"):
                return _Typed(self.owner)
            if name in self.locals:
                return _UNKNOWN
            for namespace in (self.closure, self.globals, vars(builtins)):
                if name in namespace:
                    return namespace[name]
            return _UNKNOWN
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            if base is _UNKNOWN or base is _IGNORED:
                return base
            if isinstance(base, _Typed):
                attribute = inspect.getattr_static(base.cls, node.attr, _UNKNOWN)
                if attribute is _UNKNOWN:
                    return _UNKNOWN
                if isinstance(attribute, property):
                    return _IGNORED
                if inspect.isfunction(attribute):
                    return Method(attribute, base.cls)
                return attribute
            return getattr(base, node.attr, _UNKNOWN)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "super"
        ):
            return _IGNORED
        if isinstance(node, ast.Await):
            return self.resolve(node.value)
        return _UNKNOWN

    def is_plain_data(self, node: ast.expr) -> bool:
        if _is_plain_data(node):
            return True
        if isinstance(node, ast.Name):
            if node.id in self.data:
                return True
            hint = self.hints.get(node.id)
            return isinstance(hint, type) and hint.__module__ == "builtins"
        return False


class Method:
    """A method looked up on a class known statically: the function and its class."""

    def __init__(self, function: Any, owner: type) -> None:
        self.function = function
        self.owner = owner


class _Typed:
    """A value known only by its class (an annotated parameter, ``self``)."""

    def __init__(self, cls: Any) -> None:
        self.cls = cls if isinstance(cls, type) else object


_PLAIN = (
    ast.Constant,
    ast.JoinedStr,
    ast.List,
    ast.Dict,
    ast.Set,
    ast.Tuple,
    ast.ListComp,
    ast.DictComp,
    ast.SetComp,
)
_PLAIN_CALLS = frozenset(
    {"dict", "list", "set", "tuple", "str", "int", "float", "bytes", "sorted", "frozenset"}
)


def _is_plain_data(node: ast.expr) -> bool:
    if isinstance(node, _PLAIN):
        return True
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _PLAIN_CALLS
    )


def _hints(function: Any) -> dict[str, Any]:
    """Parameter name -> the class it is annotated with (Annotated and Optional unwrapped)."""
    try:
        hints = typing.get_type_hints(function, include_extras=True)
    except Exception:  # a forward reference it cannot resolve
        return {}
    found = {}
    for name, hint in hints.items():
        while typing.get_origin(hint) is typing.Annotated:
            hint = typing.get_args(hint)[0]
        arguments = [a for a in typing.get_args(hint) if a is not type(None)]
        if typing.get_origin(hint) in (typing.Union, types.UnionType) and len(arguments) == 1:
            hint = arguments[0]
        if isinstance(hint, type):
            found[name] = hint
    return found


def _caught(handler: ast.ExceptHandler, scope: _Scope) -> list[type[BaseException]]:
    """The classes an ``except`` clause catches, as far as they resolve."""
    if handler.type is None:
        return []
    nodes = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    found = []
    for node in nodes:
        resolved = scope.resolve(node)
        if isinstance(resolved, type) and issubclass(resolved, BaseException):
            found.append(resolved)
    return found


def _literal_status(
    call: ast.Call | None, scope: _Scope, keywords: tuple[str, ...], position: int | None
) -> int | None:
    """The status a constructor call gives as a literal (or a named constant such as
    ``status.HTTP_404_NOT_FOUND``), None when it is computed at run time."""
    if call is None:
        return None
    value: ast.expr | None = None
    if position is not None and len(call.args) > position:
        value = call.args[position]
    for keyword in call.keywords:
        if keyword.arg in keywords:
            value = keyword.value
    if value is None:
        return None
    if isinstance(value, ast.Constant) and isinstance(value.value, int):
        return value.value
    resolved = scope.resolve(value)
    return resolved if isinstance(resolved, int) and not isinstance(resolved, bool) else None


def _walk_statement(
    node: ast.AST,
    handlers: tuple[ast.ExceptHandler, ...],
    guards: tuple[ast.ExceptHandler, ...] = (),
) -> Iterator[tuple[ast.AST, tuple[ast.ExceptHandler, ...], tuple[ast.ExceptHandler, ...]]]:
    """The raises and calls under ``node``, each with the except clauses it is inside
    (``handlers``) and those that guard it (``guards``: of the ``try`` it is in the
    body of); not into nested functions and classes, which run only if called."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
        return
    if isinstance(node, ast.ExceptHandler):
        handlers = (*handlers, node)
    if isinstance(node, (ast.Raise, ast.Call)):
        yield node, handlers, guards
    if isinstance(node, ast.Try) or type(node).__name__ == "TryStar":  # 3.11's except*
        block = typing.cast(ast.Try, node)
        for statement in block.body:
            yield from _walk_statement(statement, handlers, (*guards, *block.handlers))
        for child in [*block.handlers, *block.orelse, *block.finalbody]:
            yield from _walk_statement(child, handlers, guards)
        return
    for child in ast.iter_child_nodes(node):
        if isinstance(node, ast.Raise) and child is node.exc and isinstance(child, ast.Call):
            # The exception's constructor: its arguments may still call the app's code.
            for argument in [*child.args, *(k.value for k in child.keywords)]:
                yield from _walk_statement(argument, handlers, guards)
            continue
        yield from _walk_statement(child, handlers, guards)


def _swallowed(raised: Raised, guards: tuple[ast.ExceptHandler, ...], scope: _Scope) -> bool:
    """Whether an ``except`` around the raise catches it and raises nothing itself."""
    for guard in guards:
        if any(isinstance(n, ast.Raise) for n in ast.walk(guard)):
            continue
        if guard.type is None or any(
            issubclass(raised.exception, c) for c in _caught(guard, scope)
        ):
            return True
    return False
