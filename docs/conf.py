# Sphinx configuration for the Layer Cake lab guide.
#
# The built Layer Cake page (../dist, from `trunk build --release --offline`)
# is copied into the site through html_extra_path, under layercake/, so the
# guide is self-contained: no CDN, no external fonts, nothing fetched.

import pathlib
import shutil

here = pathlib.Path(__file__).resolve().parent
dist = here.parent / "dist"
extra = here / "_extra"

if not (dist / "index.html").is_file():
    raise SystemExit(
        f"the Layer Cake page is not built at {dist}: run `trunk build --release --offline` first"
    )
shutil.rmtree(extra, ignore_errors=True)
shutil.copytree(dist, extra / "layercake")

project = "Container images lab"
author = "Layer Cake"
copyright = "2026, Layer Cake"
root_doc = "index"
exclude_patterns = ["_build", "_extra"]
html_theme = "alabaster"
html_theme_options = {
    "font_family": "system-ui, sans-serif",
    "head_font_family": "system-ui, sans-serif",
    "show_powered_by": False,
}
html_show_sphinx = False
html_extra_path = ["_extra"]
# the page's own drawn logo, so the browser asks for no /favicon.ico
html_favicon = "../www/favicon.svg"
html_static_path = []
html_show_sourcelink = False
