"""Chalice's entry point (`chalice package` / Lambda handler `app.app`). The app itself lives in
the `originlink-service` distribution (`originlink_service.app`), so `originlink serve` runs the
same routes without this folder on the path."""

from originlink_service.app import app

__all__ = ["app"]
