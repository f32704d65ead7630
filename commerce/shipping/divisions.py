"""China's 省/市/区 as the npm package ``@vant/area-data`` publishes them (GB/T 2260 codes),
read once from the compact JSON ``make assets`` writes: the storefront's picker loads the
same file, so a shopper can pick nothing the server would refuse.

A city's code shares its province's first two digits, a district's its city's first four.
"""
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flask import current_app

DATA_FILE = Path("node_modules") / ".duoshop" / "areas.json"  # under the app's root; made by `make assets`


@dataclass(frozen=True)
class Divisions:
    provinces: dict  # code → name, e.g. "330000" → "浙江省"
    cities: dict  # province code → {city name → city code}
    districts: dict  # city code → {district name → district code}

    def city_code(self, province_code, city):
        return self.cities.get(province_code, {}).get(city)

    def has(self, province_code, city, district):
        """Whether the district is one of the city's and the city one of the province's."""
        city_code = self.city_code(province_code, city)
        return city_code is not None and district in self.districts.get(city_code, {})


def divisions():
    """The divisions of the file under this app's root, read on first use.

    :raise RuntimeError: the file is missing (``make assets`` makes it)
    """
    return _read(data_file())


def data_file():
    """The JSON file, which the storefront also serves to the picker."""
    return Path(current_app.root_path) / DATA_FILE


@cache
def _read(path):
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RuntimeError(f"{path} is missing: run `make assets` (it comes from npm's @vant/area-data)") from None
    cities, districts = {}, {}
    for code, name in data["city_list"].items():
        cities.setdefault(code[:2] + "0000", {})[name] = code
    for code, name in data["county_list"].items():
        districts.setdefault(code[:4] + "00", {})[name] = code
    return Divisions(provinces=dict(data["province_list"]), cities=cities, districts=districts)
