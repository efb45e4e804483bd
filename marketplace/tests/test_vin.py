import pytest
from django.core.exceptions import ValidationError

from marketplace.tests.factories import vin_with_check_digit
from marketplace.vin import check_digit, validate_vin

VALID = "LSVAB2BR3NA000000"


def test_a_valid_vin_passes_and_is_normalised():
    assert validate_vin(" lsvab2br3na000000 ") == VALID


def test_a_known_real_world_vin_with_check_digit_x_passes():
    vin = vin_with_check_digit("1M8GDM9A0KP042788")
    assert validate_vin(vin) == vin
    assert check_digit("1M8GDM9AXKP042788") == "X"


def test_a_wrong_check_digit_is_refused_with_the_expected_digit():
    wrong = VALID[:8] + "7" + VALID[9:]
    with pytest.raises(ValidationError) as excinfo:
        validate_vin(wrong)
    assert excinfo.value.code == "vin_check_digit"
    assert "should be 3" in excinfo.value.messages[0]


@pytest.mark.parametrize("letter", ["I", "O", "Q"])
def test_the_letters_i_o_q_are_refused(letter):
    vin = VALID[:12] + letter + VALID[13:]
    with pytest.raises(ValidationError) as excinfo:
        validate_vin(vin)
    assert excinfo.value.code == "vin_letters"


@pytest.mark.parametrize("vin", ["LSVAB2BR3NA00000", "LSVAB2BR3NA0000000", ""])
def test_a_vin_that_is_not_17_characters_is_refused(vin):
    with pytest.raises(ValidationError) as excinfo:
        validate_vin(vin)
    assert excinfo.value.code == "vin_length"


def test_punctuation_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        validate_vin("LSVAB2BR3NA00000*")
    assert excinfo.value.code == "vin_chars"
