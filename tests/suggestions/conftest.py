import pytest

from annotations.suggestions import forget_cached
from annotations.suggestions.actors import forget_matcher


@pytest.fixture(autouse=True)
def fresh_matcher():
    """Each test its own registry: no matcher carried over from another test's rows."""
    forget_matcher()
    forget_cached()
    yield
    forget_matcher()
    forget_cached()
