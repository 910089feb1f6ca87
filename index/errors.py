"""Errors whose messages are written for the person who will read them."""


class DepecheError(Exception):
    """Base of every error Dépêche reports to a user."""


class IndexNotBuilt(DepecheError):
    """There is no index yet, or it was built with another embedding model."""


class ArticleUnreadable(DepecheError):
    """An article file cannot be used (empty, binary, too large)."""


class StoreUnavailable(DepecheError):
    """The Chroma store cannot be reached."""


class BadQuestion(DepecheError):
    """The question is empty, too long or not text."""


class FetchFailed(DepecheError):
    """A web page or feed could not be fetched, or was refused (robots.txt, private address, not HTML)."""


class EncoderUnavailable(DepecheError):
    """The embedding model cannot load (missing file, engine or CPU features)."""


class SettingsInvalid(DepecheError):
    """A setting is unknown, out of range or unreadable; the message names where it was written."""
