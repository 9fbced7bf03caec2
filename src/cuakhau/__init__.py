"""cuakhau — cửa khẩu thông minh / 智慧口岸: a smart border gate platform."""

__version__ = "0.1.0"
