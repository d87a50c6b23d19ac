"""The editor's look: Fusion, a dark or a light palette, and a style sheet for Render.

Dark by default (video editors are dark: the picture reads best on a dark
surround); "system" follows the OS only when it says light (Qt's
``QStyleHints.colorScheme()``, and its change signal while the app runs).
The choice is ``config.Settings.theme`` ("system", "dark", "light"), switched
in Settings and applied at once with ``apply``.

Every text colour here keeps a WCAG contrast of at least 4.5:1 against the
background it is drawn on (tests/test_ui_theme.py checks the palettes and a
grab of each panel). The one emphasised action, Render, is the toolbar
button named ``primary_action``, in the accent colour.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

CHOICES = ("system", "dark", "light")
LABELS = {"system": "System (dark unless the OS is light)", "dark": "Dark", "light": "Light"}
PRIMARY = "primary_action"  # object name of the emphasised toolbar button (Render)

R = QPalette.ColorRole
G = QPalette.ColorGroup

# role -> colour; Disabled text is exempt from WCAG's 4.5:1 but stays legible
COLORS = {
    "dark": {
        R.Window: "#2b2d31", R.WindowText: "#e6e6e6", R.Base: "#1f2023",
        R.AlternateBase: "#27292d", R.Text: "#e6e6e6", R.Button: "#383a3f",
        R.ButtonText: "#e6e6e6", R.BrightText: "#ffffff", R.Highlight: "#3d63d1",
        R.HighlightedText: "#ffffff", R.ToolTipBase: "#1f2023", R.ToolTipText: "#e6e6e6",
        R.PlaceholderText: "#9a9a9a", R.Link: "#8ab4f8", R.LinkVisited: "#c58af9",
        R.Light: "#4a4d53", R.Midlight: "#404348", R.Mid: "#2f3135", R.Dark: "#1a1b1e",
        R.Shadow: "#101113",
    },
    "light": {
        R.Window: "#f2f2f3", R.WindowText: "#1d1d1f", R.Base: "#ffffff",
        R.AlternateBase: "#f6f6f7", R.Text: "#1d1d1f", R.Button: "#e9e9eb",
        R.ButtonText: "#1d1d1f", R.BrightText: "#ffffff", R.Highlight: "#2f5bd3",
        R.HighlightedText: "#ffffff", R.ToolTipBase: "#ffffff", R.ToolTipText: "#1d1d1f",
        R.PlaceholderText: "#6b6b6b", R.Link: "#1a56c4", R.LinkVisited: "#6b2fb3",
        R.Light: "#ffffff", R.Midlight: "#f7f7f8", R.Mid: "#c4c4c8", R.Dark: "#9e9ea3",
        R.Shadow: "#6e6e73",
    },
}  # fmt: skip
DISABLED = {"dark": "#85878c", "light": "#8e8e93"}
ACCENT = {"dark": ("#3d63d1", "#4467d6", "#ffffff"), "light": ("#2f5bd3", "#3b67df", "#ffffff")}

_state = {"choice": "system", "listening": False}


def os_scheme() -> str:
    """What the OS says: "light", "dark" or "unknown"."""
    scheme = QGuiApplication.styleHints().colorScheme()
    return {Qt.ColorScheme.Light: "light", Qt.ColorScheme.Dark: "dark"}.get(scheme, "unknown")


def resolve(choice: str) -> str:
    """The theme a choice means here: "dark" or "light"."""
    if choice in ("dark", "light"):
        return choice
    return "light" if os_scheme() == "light" else "dark"


def palette(name: str) -> QPalette:
    pal = QPalette()
    for role, color in COLORS[name].items():
        pal.setColor(role, QColor(color))
    for role in (R.WindowText, R.Text, R.ButtonText, R.PlaceholderText):
        pal.setColor(G.Disabled, role, QColor(DISABLED[name]))
    pal.setColor(G.Disabled, R.Highlight, QColor(COLORS[name][R.Mid]))
    return pal


def primary_sheet(name: str) -> str:
    """The primary button's own style sheet (on that widget only: an application-wide sheet
    would route every widget through Qt's slower style-sheet style)."""
    back, hover, ink = ACCENT[name]
    return (
        f"QToolButton#{PRIMARY} {{ background: {back}; color: {ink}; border: none;"
        " border-radius: 4px; padding: 4px 12px; font-weight: 600; }"
        f"QToolButton#{PRIMARY}:hover {{ background: {hover}; }}"
        f"QToolButton#{PRIMARY}:pressed {{ background: {back}; padding-top: 5px; }}"
        f"QToolButton#{PRIMARY}:disabled {{ background: {COLORS[name][R.Mid]};"
        f" color: {DISABLED[name]}; }}"
    )


def current() -> str:
    """The theme in effect ("dark" or "light"), from the application's palette."""
    window = QApplication.palette().color(R.Window)
    return "dark" if window.lightness() < 128 else "light"


def apply(choice: str = "system", app: QApplication | None = None) -> str:
    """Fusion with the chosen palette, on the whole application, at once."""
    app = app or QApplication.instance()
    if choice not in CHOICES:
        choice = "system"
    _state["choice"] = choice
    name = resolve(choice)
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    if app.palette() != palette(name):  # unchanged: setting it again re-polishes everything
        app.setPalette(palette(name))
    if not _state["listening"]:
        _state["listening"] = True
        app.styleHints().colorSchemeChanged.connect(_os_changed)
    return name


def _os_changed(*_: object) -> None:
    if _state["choice"] == "system":
        apply("system")
