"""Input validation at the edges, one place per kind of input.

Whatever a client sends is checked here before any view, operation or database sees it, so that bad input is a
clear 400 (or 404 for an id that cannot exist) and never a 500:

- **text** (form fields, JSON strings and keys, query strings, URL segments): no NUL and no lone surrogate
  (PostgreSQL cannot store a NUL in text, and a lone surrogate cannot be encoded as UTF-8);
- **ids** (URL segments, JSON ids, ``?year=``/``?page=``): integers in 1..2³¹−1, the range of the columns. The
  app's ``int`` URL converter is bounded, so ``/x/99999999999999`` is a 404 like any other id that does not exist;
- **JSON bodies**: parsed once by the app's JSON provider, at most ``MAX_JSON_DEPTH`` levels deep, no ``NaN`` or
  ``Infinity``, no number that is not finite; the lanes parse their bodies with the same function;
- **decimals** (hours): finite, at most two places (``DecimalField`` here refuses ``NaN``, ``sNaN``, ``1E-999999``,
  ``0.001`` with a Chinese form error).

Forms inherit from ``Form`` (Flask-WTF with the text check on every field); views read query integers with
``query_int``; API views read JSON with ``json_object`` and ids with ``id_field``.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Flask, request
from flask import Request as FlaskRequest
from flask.json.provider import DefaultJSONProvider
from flask_wtf import FlaskForm
from werkzeug.http import parse_options_header
from werkzeug.routing import IntegerConverter
from wtforms import DecimalField as _DecimalField
from wtforms import Field
from wtforms.validators import ValidationError

from .errors import InvalidInput, NotFound

INT_MAX = 2**31 - 1  # the largest id (and year, page, count) a column holds
MAX_JSON_DEPTH = 32  # nesting levels of a JSON body; the API's deepest is 3
_BAD_TEXT = re.compile(r"[\x00\ud800-\udfff]")
BAD_TEXT_MESSAGE = "含有无法识别的字符（如空字符），请删除后重新输入"


def has_bad_text(text: str) -> bool:
    """True when text holds a NUL or a lone surrogate."""
    return _BAD_TEXT.search(text) is not None


def check_text(text: str, what: str = "提交的内容") -> str:
    """Return text, or refuse it (400 invalid_input) when it holds a NUL or a lone surrogate."""
    if has_bad_text(text):
        raise InvalidInput(f"{what}{BAD_TEXT_MESSAGE}")
    return text


def is_id(value: Any) -> bool:
    """True for an integer (not a bool) in 1..2³¹−1."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= INT_MAX


# ---- JSON ------------------------------------------------------------------------------------------------------

class JSONRefused(ValueError):
    """A JSON body that is not well-formed or not acceptable; its text is the Chinese reason."""


def _refuse_constant(name: str) -> Any:
    raise JSONRefused(f"JSON 中不能使用 {name}")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JSONRefused("JSON 中的数字超出范围")
    return value


def _walk(value: Any) -> Iterator[tuple[Any, int]]:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        yield item, depth
        if isinstance(item, dict):
            stack.extend((k, depth) for k in item)
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)


def parse_json(data: bytes | str) -> Any:
    """Parse a JSON body; JSONRefused (a ValueError) with a Chinese reason for anything we do not accept."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise JSONRefused("请求体应为 UTF-8 编码的 JSON") from exc
    if data.count("[") + data.count("{") > MAX_JSON_DEPTH:  # only then can it be too deep: measure
        depth = 0
        for ch in re.sub(r'"(?:[^"\\]|\\.)*"', "", data):
            depth += (ch in "[{") - (ch in "]}")
            if depth > MAX_JSON_DEPTH:
                raise JSONRefused(f"JSON 嵌套层数不能超过 {MAX_JSON_DEPTH}")
    try:
        value = json.loads(data, parse_constant=_refuse_constant, parse_float=_finite_float)
    except JSONRefused:
        raise
    except (ValueError, RecursionError) as exc:
        raise JSONRefused("请求体不是有效的 JSON") from exc
    for item, depth in _walk(value):
        if depth > MAX_JSON_DEPTH:
            raise JSONRefused(f"JSON 嵌套层数不能超过 {MAX_JSON_DEPTH}")
        if isinstance(item, str) and has_bad_text(item):
            raise JSONRefused(f"JSON 中的文字{BAD_TEXT_MESSAGE}")
    return value


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, reading request bodies with parse_json (answers keep Flask's defaults, UTF-8 text)."""

    ensure_ascii = False

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return parse_json(s)


def is_json(content_type: str) -> bool:
    """True for the one content type read as JSON, by Flask (Request.is_json) and the lane alike:
    ``application/json`` in any case, with or without parameters. Not ``application/jsonp``, ``application/json5``
    or ``application/jsonfoo`` (the lane once took anything starting with ``application/json``), and not the
    ``+json`` types werkzeug would also take: no client of ours sends them, and one rule for both keeps the lane
    and Flask deciding the same requests."""
    return parse_options_header(content_type)[0].lower() == "application/json"


class Request(FlaskRequest):
    """Flask's request, answering a JSON body we refuse with 400 invalid_input and the reason."""

    @property
    def is_json(self) -> bool:
        return is_json(self.headers.get("Content-Type", ""))

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        if isinstance(e, JSONRefused):
            raise InvalidInput(str(e))
        raise InvalidInput("请求体应为 JSON 对象（Content-Type: application/json）")


def json_object() -> dict[str, Any]:
    """The request's JSON object body, or 400 invalid_input saying what is wrong with it."""
    data = request.get_json(silent=True) if request.is_json else None
    if not isinstance(data, dict):
        raise InvalidInput("请求体应为 JSON 对象（Content-Type: application/json）")
    return data


def id_field(data: dict[str, Any], name: str) -> int:
    """An id in a JSON body: an integer in 1..2³¹−1, else 400 invalid_input naming the field."""
    value = data.get(name)
    if not is_id(value):
        raise InvalidInput(f"字段 {name} 应为 1 到 {INT_MAX} 之间的整数")
    return int(value)


# ---- query strings and URL segments ------------------------------------------------------------------------------

def digits_up_to(limit: int) -> str:
    """A regular expression for the decimal numbers 1..limit written without leading zeros."""
    text = str(limit)
    shorter = [f"[1-9]\\d{{0,{len(text) - 2}}}"] if len(text) > 1 else []
    same = []
    for i, digit in enumerate(text):
        low = "1" if i == 0 else "0"
        if int(digit) > int(low):
            rest = len(text) - i - 1
            same.append(text[:i] + f"[{low}-{int(digit) - 1}]" + (f"\\d{{{rest}}}" if rest else ""))
    return "(?:" + "|".join([*shorter, *same, text]) + ")"


class BoundedIntConverter(IntegerConverter):
    """The app's ``int`` URL converter: 1..2³¹−1 unless the rule says otherwise (a larger id is simply not found).

    The bound is in the converter's pattern, not only in ``to_python``: werkzeug's matcher answers 405 instead of
    404 when a rule's converter refuses a segment after another rule of the same path matched it for another
    method (POST /api/v1/hours/10000/certificate beside its GET).
    """

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = None, max: int | None = None,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=0 if min is None else min,
                         max=INT_MAX if max is None else max, signed=signed)
        if not fixed_digits and not signed and self.min in (0, 1):
            self.regex = ("(?:0|" if self.min == 0 else "(?:") + digits_up_to(int(self.max)) + ")"


def query_int(name: str, default: int, lo: int = 1, hi: int = INT_MAX) -> int:
    """An integer from the query string (?year=, ?page=): the default when absent, 400 when not in lo..hi."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw.strip()) if len(raw) <= 12 else hi + 1
    except ValueError as exc:
        raise InvalidInput(f"参数 {name} 应为整数") from exc
    if not lo <= value <= hi:
        raise InvalidInput(f"参数 {name} 应在 {lo} 到 {hi} 之间")
    return value


def form_id(name: str) -> int:
    """An id posted in a form field (a select's value): 1..2³¹−1, else 404 as an id that does not exist."""
    raw = request.form.get(name, "")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10 or not is_id(int(raw)):
        raise NotFound()
    return int(raw)


def _check_request() -> None:
    """Refuse a query string or URL segment with a NUL or a lone surrogate, and a JSON body we do not accept,
    before any view runs (the parsed body is kept for the view)."""
    for key, value in request.args.items(multi=True):
        if has_bad_text(key) or has_bad_text(value):
            raise InvalidInput(f"链接参数{BAD_TEXT_MESSAGE}")
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and has_bad_text(value):
            raise InvalidInput(f"链接{BAD_TEXT_MESSAGE}")
    if request.is_json and request.get_data(cache=True):
        request.get_json()


def init_app(app: Flask) -> None:
    """Install the bounded int converter (before any blueprint), the JSON provider and the request checks."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.json = JSONProvider(app)
    app.request_class = Request
    app.before_request(_check_request)


# ---- forms -----------------------------------------------------------------------------------------------------

class Form(FlaskForm):
    """The base of every form: Flask-WTF (CSRF) plus the text check on every field's submitted value."""

    def validate(self, extra_validators: Any = None) -> bool:
        extra = dict(extra_validators or {})
        for name in self._fields:
            extra[name] = [*extra.get(name, ()), _no_bad_text]
        return bool(super().validate(extra_validators=extra))


def _no_bad_text(_form: Any, field: Field) -> None:
    for raw in field.raw_data or ():
        if isinstance(raw, str) and has_bad_text(raw):
            raise ValidationError(BAD_TEXT_MESSAGE)


class DecimalField(_DecimalField):
    """A decimal with at most two places, finite (hours): NaN, sNaN, 1E-999999 and 0.001 are form errors."""

    def __init__(self, label: str | None = None, validators: Any = None, places: int = 2,
                 limit: Decimal = Decimal(10000), **kwargs: Any) -> None:
        super().__init__(label, validators, places=places, **kwargs)
        self.limit = limit  # exclusive bound of the absolute value (the hours columns are NUMERIC(6, 2))

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        raw = str(valuelist[0]).strip()
        self.data = None
        if not raw:
            return
        try:
            value = Decimal(raw) if len(raw) <= 20 else None
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            self.data = None
            raise ValueError("请输入一个数字，如 18 或 2.5")
        exponent = value.normalize().as_tuple().exponent
        if isinstance(exponent, int) and exponent < -(self.places or 0):
            raise ValueError(f"最多保留 {self.places} 位小数")
        if abs(value) >= self.limit:
            raise ValueError(f"数值应小于 {self.limit}")
        self.data = value
