"""What a reader of the seam (:mod:`xltools.io.seam`) gets and gives: the types a new reader implements.

A reader is a :class:`Reader` subclass: ``accepts(content)`` says from the file's *content* (its
sniffed kind, zip members or OLE streams, the bytes) whether it reads it; ``read(content, options)``
returns a :class:`Source` or raises :class:`ReadError` (fate + Chinese reason with the next step).
It never decides what a form scores or whether it was tampered with: the one verdict
(:func:`xltools.form.verdict.judge` / ``judge_form``) does, after the seam.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import PurePath
from typing import ClassVar, Literal

from xltools.core import Finding, Form
from xltools.core.errors import UserError
from xltools.form.book import BookView
from xltools.io.sniff import ContainerError, kind_of, ole_entries, zip_members
from xltools.io.xlsxread import Limits

__all__ = ["Content", "ReadOptions", "Source", "Reader", "ReadError", "ReadFate"]

ReadFate = Literal["unreadable", "encrypted", "too-large", "not-template", "unknown-version"]


class ReadError(UserError):
    """A file a reader accepted but cannot read, or a file no reader accepts: ``fate`` and a Chinese
    ``reason`` that ends with what the clerk should do."""

    def __init__(self, fate: ReadFate, reason: str) -> None:
        super().__init__(reason)
        self.fate: ReadFate = fate
        self.reason = reason


@dataclass(frozen=True, eq=False)
class Content:
    """One file's bytes, what they are, and the name the user knows it by (``name`` is shown, never trusted)."""

    name: str
    data: bytes

    @cached_property
    def kind(self) -> str:
        """``zip``, ``ole2``, ``pdf``, ``png`` … (:func:`xltools.io.sniff.kind_of`)."""
        return kind_of(self.data)

    @cached_property
    def suffix(self) -> str:
        """The name's extension, lower case (``.xls``): only to word messages and tell .et from .xls."""
        return PurePath(self.name).suffix.lower()

    @cached_property
    def members(self) -> frozenset[str]:
        """Zip member names or OLE2 stream/storage names; empty for other kinds or a damaged directory
        (see :attr:`damaged`)."""
        try:
            if self.kind == "zip":
                return zip_members(self.data)
            if self.kind == "ole2":
                return ole_entries(self.data)
        except ContainerError:
            pass
        return frozenset()

    @property
    def damaged(self) -> bool:
        """A zip or compound file whose directory cannot be read (truncated, damaged)."""
        return self.kind in ("zip", "ole2") and not self.members


@dataclass(frozen=True)
class ReadOptions:
    """What the caller needs read (a reader may read more, never less): ``sheets`` by name (all when
    ``None``), ``shared`` sheets cached across files, ``cells_only`` for values/formulas/styles only
    (combine), and the size ``limits``."""

    sheets: tuple[str, ...] | None = None
    shared: tuple[str, ...] = ()
    cells_only: bool = False
    limits: Limits = Limits()


@dataclass(frozen=True)
class Source:
    """What a reader yields: a workbook view *or* a form, in one of the ``format`` s the seam knows.

    * ``book``: a workbook (any :class:`~xltools.form.book.BookView`); the seam identifies it as a
      template version and the one verdict judges it. Where each field came from is the layout's
      cell (``origins`` may stay empty). Parts the view cannot see are ``None`` in the view
      (formulas, locked, protected): the seam then adds the ``format-legacy`` finding itself.
    * ``form``: a form read without a template layout (a Word table, another layout); ``origins``
      maps each field path (``project_name``, ``indicators[3].actual``) to where it was read
      (``表1 第12行 第5列``, ``Sheet1!C7``), and the verdict places findings there.

    ``findings`` are the reader's own (a field it could not locate …; classes of
    :mod:`xltools.core.catalogue`); ``notes`` are Chinese lines about the format for the user.
    """

    format: str
    book: BookView | None = None
    form: Form | None = None
    origins: Mapping[str, str] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if (self.book is None) == (self.form is None):
            raise ValueError("a Source holds a book or a form, exactly one")


class Reader(ABC):
    """One reader of the seam; register an instance with :func:`xltools.io.seam.register_reader`."""

    #: Short name for diagnostics (``xlsx``, ``calamine``, ``docx``).
    name: ClassVar[str]
    #: The formats its sources carry (``Source.format``), for documentation and the registry's listing.
    formats: ClassVar[tuple[str, ...]]

    @abstractmethod
    def accepts(self, content: Content) -> bool:
        """Whether this reader reads ``content`` — decided from the content, not from the name alone."""

    @abstractmethod
    def read(self, content: Content, options: ReadOptions) -> Source:
        """The source in ``content``; :class:`ReadError` when it cannot be read."""
