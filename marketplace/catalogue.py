"""China-market makes and models: the make/model suggestions of the browse filters and the car form,
their Chinese names, and the specs the demo data draws from.

A small static list instead of ``SELECT DISTINCT make`` over a million listings; a dealer may still
type a make or model that is not here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import get_language


@dataclass(frozen=True)
class ModelSpec:
    name: str
    name_zh: str
    body: str  # Vehicle.Body value
    fuel: str  # Vehicle.Fuel value
    transmission: str
    engine_l: float | None
    battery_kwh: float | None
    seats: int
    new_price: int  # approximate new price in CNY, for plausible used prices
    trims: tuple[str, ...]
    first_year: int = 2015


@dataclass(frozen=True)
class MakeSpec:
    name: str
    name_zh: str
    wmi: str  # a real WMI of the Chinese joint venture or importer, for demo VINs
    models: tuple[ModelSpec, ...]


M = ModelSpec
CATALOGUE: tuple[MakeSpec, ...] = (
    MakeSpec(
        "Volkswagen",
        "大众",
        "LSV",
        (
            M(
                "Lavida",
                "朗逸",
                "sedan",
                "petrol",
                "automatic",
                1.5,
                None,
                5,
                120000,
                ("1.5L 自动风尚版", "1.5L 自动舒适版", "280TSI DSG 豪华版"),
            ),
            M("Sagitar", "速腾", "sedan", "petrol", "dct", 1.4, None, 5, 160000, ("280TSI DSG 舒适智联版", "300TSI DSG 超越版")),
            M("Passat", "帕萨特", "sedan", "petrol", "dct", 2.0, None, 5, 230000, ("330TSI 精英版", "380TSI 豪华版")),
        ),
    ),
    MakeSpec(
        "Toyota",
        "丰田",
        "LFM",
        (
            M(
                "Corolla",
                "卡罗拉",
                "sedan",
                "petrol",
                "cvt",
                1.2,
                None,
                5,
                130000,
                ("1.2T S-CVT 先锋版", "1.2T S-CVT 精英版", "双擎 1.8L 精英版"),
            ),
            M(
                "Camry",
                "凯美瑞",
                "sedan",
                "hybrid",
                "cvt",
                2.5,
                None,
                5,
                220000,
                ("2.0G 豪华版", "双擎 2.5HG 豪华版", "2.5Q 旗舰版"),
            ),
            M("RAV4", "RAV4荣放", "suv", "petrol", "cvt", 2.0, None, 5, 200000, ("2.0L CVT 两驱都市版", "2.0L CVT 四驱风尚版")),
        ),
    ),
    MakeSpec(
        "Honda",
        "本田",
        "LHG",
        (
            M("Civic", "思域", "sedan", "petrol", "cvt", 1.5, None, 5, 140000, ("240TURBO CVT 劲动版", "240TURBO CVT 燃擎版")),
            M("Accord", "雅阁", "sedan", "petrol", "cvt", 1.5, None, 5, 200000, ("260TURBO 精英版", "260TURBO 豪华版")),
            M(
                "CR-V",
                "CR-V",
                "suv",
                "petrol",
                "cvt",
                1.5,
                None,
                5,
                210000,
                ("240TURBO CVT 两驱舒适版", "240TURBO CVT 四驱尊贵版"),
            ),
        ),
    ),
    MakeSpec(
        "Nissan",
        "日产",
        "LGB",
        (M("Sylphy", "轩逸", "sedan", "petrol", "cvt", 1.6, None, 5, 110000, ("1.6XL CVT 悦享版", "1.6XV CVT 智享版")),),
    ),
    MakeSpec(
        "BYD",
        "比亚迪",
        "LGX",
        (
            M(
                "Qin PLUS DM-i",
                "秦PLUS DM-i",
                "sedan",
                "phev",
                "single_speed",
                1.5,
                18.3,
                5,
                120000,
                ("55KM 领先型", "120KM 旗舰型"),
                2021,
            ),
            M("Han EV", "汉EV", "sedan", "ev", "single_speed", None, 85.4, 5, 230000, ("506KM 尊贵型", "610KM 四驱旗舰型"), 2020),
            M(
                "Song PLUS DM-i",
                "宋PLUS DM-i",
                "suv",
                "phev",
                "single_speed",
                1.5,
                18.3,
                5,
                160000,
                ("110KM 旗舰型", "51KM 尊贵型"),
                2021,
            ),
        ),
    ),
    MakeSpec(
        "Tesla",
        "特斯拉",
        "LRW",
        (
            M(
                "Model 3",
                "Model 3",
                "sedan",
                "ev",
                "single_speed",
                None,
                60.0,
                5,
                250000,
                ("后轮驱动版", "长续航全轮驱动版"),
                2019,
            ),
            M("Model Y", "Model Y", "suv", "ev", "single_speed", None, 60.0, 5, 270000, ("后轮驱动版", "长续航全轮驱动版"), 2021),
        ),
    ),
    MakeSpec(
        "Buick",
        "别克",
        "LSG",
        (M("GL8", "GL8", "mpv", "petrol", "automatic", 2.0, None, 7, 290000, ("ES陆尊 653T 豪华型", "652T 舒适型"), 2017),),
    ),
    MakeSpec(
        "Geely",
        "吉利",
        "L6T",
        (
            M("Emgrand", "帝豪", "sedan", "petrol", "cvt", 1.5, None, 5, 80000, ("1.5L CVT 豪华型", "1.5L CVT 精英型")),
            M(
                "Xingyue L",
                "星越L",
                "suv",
                "petrol",
                "automatic",
                2.0,
                None,
                5,
                170000,
                ("2.0TD 高功版 旗舰型", "2.0TD 智享版"),
                2021,
            ),
        ),
    ),
    MakeSpec(
        "Changan",
        "长安",
        "LS5",
        (
            M(
                "CS75 PLUS",
                "CS75 PLUS",
                "suv",
                "petrol",
                "automatic",
                1.5,
                None,
                5,
                120000,
                ("1.5T 自动尊贵型", "2.0T 自动旗舰型"),
                2019,
            ),
        ),
    ),
    MakeSpec(
        "Haval", "哈弗", "LGW", (M("H6", "H6", "suv", "petrol", "dct", 1.5, None, 5, 110000, ("1.5T 自动 Pro", "2.0T 自动 Max")),)
    ),
    MakeSpec(
        "BMW",
        "宝马",
        "LBV",
        (M("3 Series", "3系", "sedan", "petrol", "automatic", 2.0, None, 5, 320000, ("325Li M运动套装", "320Li M运动曜夜版")),),
    ),
    MakeSpec(
        "Mercedes-Benz",
        "奔驰",
        "LE4",
        (M("C-Class", "C级", "sedan", "petrol", "automatic", 1.5, None, 5, 330000, ("C 260 L 运动版", "C 200 L 时尚型")),),
    ),
    MakeSpec(
        "Audi",
        "奥迪",
        "LFV",
        (M("A4L", "A4L", "sedan", "petrol", "dct", 2.0, None, 5, 310000, ("40 TFSI 时尚动感型", "45 TFSI quattro 臻选动感型")),),
    ),
    MakeSpec(
        "Li Auto", "理想", "LW4", (M("L7", "理想L7", "suv", "phev", "single_speed", 1.5, 42.8, 5, 320000, ("Pro", "Max"), 2023),)
    ),
    MakeSpec(
        "NIO", "蔚来", "LJ1", (M("ET5", "ET5", "sedan", "ev", "single_speed", None, 75.0, 5, 300000, ("75kWh", "100kWh"), 2022),)
    ),
)

_MAKES = {make.name.lower(): make for make in CATALOGUE}
_ZH_TO_MAKE = {make.name_zh: make.name for make in CATALOGUE}


def _is_chinese() -> bool:
    return (get_language() or "").lower().startswith("zh")


def make_names() -> list[str]:
    return [make.name for make in CATALOGUE]


def models_by_make() -> dict[str, list[str]]:
    """{make: [model, ...]} for the dependent model suggestions (a few hundred bytes of JSON)."""
    return {make.name: [model.name for model in make.models] for make in CATALOGUE}


def make_label(make: str) -> str:
    """ "丰田" in Chinese, "Toyota" otherwise; unknown makes are shown as typed."""
    spec = _MAKES.get((make or "").lower())
    return spec.name_zh if spec and _is_chinese() else make


def model_label(make: str, model: str) -> str:
    spec = _MAKES.get((make or "").lower())
    if spec and _is_chinese():
        for item in spec.models:
            if item.name.lower() == (model or "").lower():
                return item.name_zh
    return model


def make_from_alias(text: str) -> str | None:
    """ "比亚迪" → "BYD" so a Chinese keyword finds cars stored under the international make name."""
    text = (text or "").strip()
    if text in _ZH_TO_MAKE:
        return _ZH_TO_MAKE[text]
    spec = _MAKES.get(text.lower())
    return spec.name if spec else None


def model_from_alias(text: str) -> tuple[str, str] | None:
    """ "卡罗拉" → ("Toyota", "Corolla")."""
    text = (text or "").strip()
    for make in CATALOGUE:
        for model in make.models:
            if text in (model.name_zh,) or text.lower() == model.name.lower():
                return make.name, model.name
    return None


def label_choices() -> list[tuple[str, str]]:
    """(value, label) pairs for the make suggestions in the current language."""
    return [(make.name, f"{make.name_zh} {make.name}" if _is_chinese() else make.name) for make in CATALOGUE]


def names_of(make: str, model: str) -> list[str]:
    """The make and the model as stored, plus their Chinese names when the catalogue knows them."""
    spec = _MAKES.get((make or "").lower())
    names = [make, model]
    if spec:
        names.append(spec.name_zh)
        for item in spec.models:
            if item.name.lower() == (model or "").lower():
                names.append(item.name_zh)
    return names


# The words of Chinese trim names, in English (longest first when replacing, so 四驱旗舰型 reads as one name).
TRIM_WORDS = {
    "风尚版": "Fashion",
    "舒适智联版": "Comfort Connect",
    "舒适版": "Comfort",
    "舒适型": "Comfort",
    "两驱舒适版": "2WD Comfort",
    "豪华版": "Luxury",
    "豪华型": "Luxury",
    "超越版": "Beyond",
    "精英版": "Elite",
    "精英型": "Elite",
    "先锋版": "Pioneer",
    "旗舰版": "Flagship",
    "旗舰型": "Flagship",
    "四驱旗舰型": "AWD Flagship",
    "两驱都市版": "2WD Urban",
    "四驱风尚版": "AWD Fashion",
    "劲动版": "Dynamic",
    "燃擎版": "Power",
    "四驱尊贵版": "AWD Prestige",
    "尊贵版": "Prestige",
    "尊贵型": "Prestige",
    "自动尊贵型": "automatic Prestige",
    "自动旗舰型": "automatic Flagship",
    "悦享版": "Joy",
    "智享版": "Smart",
    "领先型": "Leading",
    "后轮驱动版": "Rear-wheel drive",
    "长续航全轮驱动版": "Long Range AWD",
    "高功版": "High Power",
    "运动套装": "Sport package",
    "运动曜夜版": "Sport Night Edition",
    "运动版": "Sport",
    "时尚型": "Style",
    "时尚动感型": "Style Dynamic",
    "臻选动感型": "Premium Dynamic",
    "陆尊": "Luzun",
    "双擎": "Hybrid",
    "自动": "automatic",
    "手动": "manual",
    "两驱": "2WD",
    "四驱": "AWD",
}
_TRIM_WORDS_LONGEST_FIRST = sorted(TRIM_WORDS, key=len, reverse=True)


def trim_label(trim: str) -> str:
    """A trim in the active language: Chinese pages show it as stored; English pages replace the Chinese trim
    words this list knows ("1.5L 自动风尚版" → "1.5L automatic Fashion"). Words it does not know stay as typed."""
    if not trim or _is_chinese():
        return trim or ""
    text = trim
    for word in _TRIM_WORDS_LONGEST_FIRST:
        if word in text:
            text = text.replace(word, f" {TRIM_WORDS[word]} ")
    return " ".join(text.split())


def make_for_wmi(wmi: str) -> str:
    """The catalogue make whose (Chinese joint venture's) WMI this is, or ""."""
    return next((make.name for make in CATALOGUE if make.wmi == (wmi or "").upper()), "")


def make_for_manufacturer(manufacturer: str) -> str:
    """The catalogue make named in a manufacturer's name ("SAIC Volkswagen" → "Volkswagen"), or ""."""
    words = (manufacturer or "").casefold()
    return next((make.name for make in CATALOGUE if make.name.casefold() in words), "")


def wmi_makes() -> dict[str, str]:
    """{WMI: make} for the car form's script (it fills the make as the VIN is typed)."""
    return {make.wmi: make.name for make in CATALOGUE}
