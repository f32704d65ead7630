"""Draw the demo pictures of the page templates (themes/page_templates/images/).

Run ``.venv/bin/python tools/make_page_template_images.py`` after changing a banner here;
the pictures are committed so the gallery works without running it. Everything is drawn:
gradients, simple shapes and text, no photographs. The Chinese text is set in Noto Sans CJK
(fonts-noto-cjk, SIL Open Font License 1.1: text drawn with the font may be used freely;
the font itself is not shipped).
"""
import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

OUT = Path(__file__).resolve().parents[1] / "themes" / "page_templates" / "images"
FONT_BOLD = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
FONT_REGULAR = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
SC = 2  # index of Simplified Chinese in the Noto CJK collections

BANNER = (800, 450)  # 16:9, the banner block's medium slide: nothing is cropped
TILE = (750, 300)  # an image block spans the page: sharp on a 2x phone

# name: (size, top colour, bottom colour, title, subtitle, ornament)
PICTURES = {
    "apparel-hero": (BANNER, "#f6e3d4", "#d9a88f", "春夏新品 轻盈上身", "全场满 299 减 50", "rings"),
    "apparel-women": (TILE, "#f3d6d6", "#c98b8b", "女装上新", "通勤 · 休闲", "dots"),
    "apparel-men": (TILE, "#d5dde6", "#7d93aa", "男装精选", "简约 · 质感", "stripes"),
    "food-hero": (BANNER, "#e4f3d5", "#7fb85a", "产地直发 新鲜到家", "今日下单 次日送达", "leaves"),
    "food-fruit": (TILE, "#ffe7c7", "#f29b4b", "时令鲜果", "当季现摘", "dots"),
    "food-pantry": (TILE, "#f1e6cf", "#b99562", "粮油副食", "家常必备", "stripes"),
    "beauty-hero": (BANNER, "#f8dfe8", "#c9789b", "焕亮新肌 匠心之选", "新客首单立减 30 元", "bubbles"),
    "beauty-skincare": (TILE, "#e9e2f5", "#9a86c4", "护肤专区", "温和 · 修护", "bubbles"),
    "campaign-hero": (BANNER, "#ff6a3d", "#c4161c", "年中大促 狂欢开场", "跨店满 300 减 40 · 限时抢购", "burst"),
    "campaign-deals": (TILE, "#ffd34d", "#ff8a1f", "爆款直降", "低至 5 折", "burst"),
    "new-hero": (BANNER, "#d9f1ee", "#3aa59a", "每周上新", "新品首发 限时 9 折", "rings"),
    "member-hero": (BANNER, "#3b3357", "#1d1830", "每月 18 日 会员日", "会员专享价 · 积分翻倍", "stars"),
}


def _color(hex_color):
    return tuple(int(hex_color[i:i + 2], 16) for i in (1, 3, 5))


def _gradient(size, top, bottom):
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    a, b = _color(top), _color(bottom)
    for y in range(height):
        t = y / max(1, height - 1)
        draw.line([(0, y), (width, y)], fill=tuple(round(a[i] + (b[i] - a[i]) * t) for i in range(3)))
    return image


def _ornament(image, kind, seed):
    width, height = image.size
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    white = (255, 255, 255)
    if kind == "rings":
        for i in range(5):
            r = 60 + i * 45
            draw.ellipse([width - r - 40, height // 2 - r, width + r - 40, height // 2 + r], outline=white + (70,),
                         width=6)
    elif kind == "dots":
        for i in range(18):
            x, y = (seed * 37 + i * 97) % width, (seed * 53 + i * 61) % height
            draw.ellipse([x, y, x + 18, y + 18], fill=white + (60,))
    elif kind == "stripes":
        for x in range(-height, width, 36):
            draw.line([(x, height), (x + height, 0)], fill=white + (40,), width=10)
    elif kind == "leaves":
        for i in range(7):
            cx, cy = width - 90 - (i % 3) * 90, 50 + (i * 53) % (height - 80)
            draw.ellipse([cx - 50, cy - 22, cx + 50, cy + 22], fill=(255, 255, 255, 70))
            draw.line([(cx - 50, cy), (cx + 50, cy)], fill=(255, 255, 255, 120), width=3)
    elif kind == "bubbles":
        for i in range(9):
            r = 18 + (i * 13) % 60
            x, y = width - 60 - (i * 71) % (width // 2), (i * 89) % height
            draw.ellipse([x - r, y - r, x + r, y + r], fill=white + (55,), outline=white + (110,), width=2)
    elif kind == "burst":
        cx, cy = width - 120, height // 2
        for i in range(24):
            angle = i * math.pi / 12
            draw.polygon([(cx, cy), (cx + math.cos(angle) * 600, cy + math.sin(angle) * 600),
                          (cx + math.cos(angle + 0.12) * 600, cy + math.sin(angle + 0.12) * 600)],
                         fill=(255, 240, 180, 45))
    elif kind == "stars":
        for i in range(40):
            x, y = (i * 131) % width, (i * 71) % height
            r = 2 + i % 3
            draw.ellipse([x - r, y - r, x + r, y + r], fill=(255, 215, 130, 150))
        draw.ellipse([width - 230, 40, width - 50, 220], fill=(255, 215, 130, 200))
        draw.ellipse([width - 200, 20, width - 30, 190], fill=(29, 24, 48, 255))
    image.paste(layer, (0, 0), layer)


def _text(image, title, subtitle, dark_text):
    width, height = image.size
    draw = ImageDraw.Draw(image)
    big = ImageFont.truetype(FONT_BOLD, 60 if width > 500 else 40, index=SC)
    small = ImageFont.truetype(FONT_REGULAR, 30 if width > 500 else 22, index=SC)
    ink = (60, 40, 36) if dark_text else (255, 255, 255)
    x = 56 if width > 500 else 28
    title_box = draw.textbbox((0, 0), title, font=big)
    sub_box = draw.textbbox((0, 0), subtitle, font=small)
    block = (title_box[3] - title_box[1]) + 24 + (sub_box[3] - sub_box[1]) + 20
    y = (height - block) // 2
    shadow = Image.new("RGBA", image.size, (0, 0, 0, 0))
    ImageDraw.Draw(shadow).text((x + 2, y + 3 - title_box[1]), title, font=big, fill=(0, 0, 0, 70))
    image.paste(shadow.filter(ImageFilter.GaussianBlur(3)), (0, 0), shadow.filter(ImageFilter.GaussianBlur(3)))
    draw.text((x, y - title_box[1]), title, font=big, fill=ink)
    y += title_box[3] - title_box[1] + 24
    pad = 10
    pill = [x, y, x + sub_box[2] - sub_box[0] + 2 * pad + 8, y + sub_box[3] - sub_box[1] + 2 * pad]
    draw.rounded_rectangle(pill, radius=(pill[3] - pill[1]) // 2, fill=ink)
    draw.text((x + pad + 4, y + pad - sub_box[1]), subtitle, font=small,
              fill=(255, 255, 255) if dark_text else (180, 40, 40))


def draw(name):
    size, top, bottom, title, subtitle, ornament = PICTURES[name]
    image = _gradient(size, top, bottom)
    _ornament(image, ornament, len(name))
    light = sum(_color(top)) > 600
    _text(image, title, subtitle, dark_text=light)
    return image


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name in PICTURES:
        path = OUT / f"{name}.jpg"
        draw(name).save(path, "JPEG", quality=82, optimize=True, progressive=True)
        print(f"{path.relative_to(OUT.parents[2])}: {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
