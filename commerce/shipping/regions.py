"""China's 34 provincial-level divisions by their GB/T 2260 codes, grouped by the areas a
merchant picks from (华北, 华东 …), plus one code of our own for addresses abroad."""
from flask_babel import lazy_gettext as _l

OVERSEAS = "990000"  # not in GB/T 2260: an address outside China

AREAS = (
    (_l("North China"), (
        ("110000", "北京市"), ("120000", "天津市"), ("130000", "河北省"), ("140000", "山西省"),
        ("150000", "内蒙古自治区"))),
    (_l("Northeast"), (("210000", "辽宁省"), ("220000", "吉林省"), ("230000", "黑龙江省"))),
    (_l("East China"), (
        ("310000", "上海市"), ("320000", "江苏省"), ("330000", "浙江省"), ("340000", "安徽省"),
        ("350000", "福建省"), ("360000", "江西省"), ("370000", "山东省"))),
    (_l("Central China"), (("410000", "河南省"), ("420000", "湖北省"), ("430000", "湖南省"))),
    (_l("South China"), (("440000", "广东省"), ("450000", "广西壮族自治区"), ("460000", "海南省"))),
    (_l("Southwest"), (
        ("500000", "重庆市"), ("510000", "四川省"), ("520000", "贵州省"), ("530000", "云南省"),
        ("540000", "西藏自治区"))),
    (_l("Northwest"), (
        ("610000", "陕西省"), ("620000", "甘肃省"), ("630000", "青海省"), ("640000", "宁夏回族自治区"),
        ("650000", "新疆维吾尔自治区"))),
    (_l("Hong Kong, Macao, Taiwan and abroad"), (
        ("810000", "香港特别行政区"), ("820000", "澳门特别行政区"), ("710000", "台湾省"), (OVERSEAS, "海外"))),
)

REGIONS = {code: name for _, regions in AREAS for code, name in regions}  # code → Chinese name
PROVINCES = {code: name for code, name in REGIONS.items() if code != OVERSEAS}  # the 34 divisions
HK_MACAO_TAIWAN_ABROAD = ("810000", "820000", "710000", OVERSEAS)


def region_name(code):
    """``"650000"`` → ``"新疆维吾尔自治区"``; an unknown code comes back as itself."""
    return REGIONS.get(code, code)


def is_known_region(code):
    return code in REGIONS
