import pytest

from tests.steps.helpers import partnership_of


@pytest.fixture
def couple_ab(partner_a, partner_b):  # type: ignore[no-untyped-def]
    """Alex and Blake's couple (B is linked to A by the persona fixtures)."""
    return partnership_of(partner_a).couple
