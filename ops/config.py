"""Typed settings: config/ops.toml (or the file named by OPS_CONFIG), overridden by OPS_* environment variables.

The TOML file groups settings in tables for the reader; the table names are only headings, every key is the setting's
own name. The environment variable of a setting is OPS_ + its name in capitals (OPS_DATABASE_URL for database_url).
"""
from __future__ import annotations

import datetime as dt
import os
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from ops.feeds import registry

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "config" / "ops.toml"

WALL_VIEWS = ("ringkasan", "peta", "kecamatan", "logistik")
SEVERITIES = ("kritis", "tinggi", "sedang", "info")  # Perhatian severity levels, most urgent first
# The feeds are declared once, in ops.feeds.registry (which imports nothing of the project): the names and defaults below
# are derived from its table.
FEED_NAMES = registry.FEED_NAMES


class ConfigError(Exception):
    """A setting a person must fix: the message names the file or variable and the setting."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OPS_", extra="forbid", frozen=True)

    # --- operation ---
    operation_name: str = Field("Operasi Mantap Praja Musi 2024 — Pilkada Ogan Ilir", description="Name of the operation shown in headers and the briefing.")
    polres_name: str = Field("Polres Ogan Ilir", description="The Polres running the Posko.")
    kabupaten_code: str = Field("16.10", description="Kemendagri code of the kabupaten/kota of a Polres operation: the area init loads when area_code is unset, and the kabupaten the Sirekap feed asks for.")
    region_dir: str = Field("data/region/ogan_ilir", description="Folder with wilayah.csv, batas_wilayah.geojson and tps_pilkada2024_per_kecamatan.csv (relative to the project).")
    area_code: str | None = Field(None, description="Kemendagri code of the area `init` loads from region_dir, from which the operation's level follows: a kabupaten/kota (16.10, a Polres), a province (16, a Polda) or empty for the nation (Mabes); unset: kabupaten_code. A database keeps the area it was loaded with: the other commands and the dashboard follow the database.")
    phase_start: dt.date = Field(dt.date(2024, 11, 24), description="First day of the TPS phase of the operation (WIB).")
    phase_end: dt.date = Field(dt.date(2024, 12, 1), description="Last day of the TPS phase of the operation (WIB).")
    voting_day: dt.date = Field(dt.date(2024, 11, 27), description="Voting day, H (WIB).")
    tps_open: dt.time = Field(dt.time(7, 0), description="TPS opening time on voting day (WIB).")
    tps_close: dt.time = Field(dt.time(13, 0), description="TPS closing time on voting day (WIB); counting follows.")
    counting_end: dt.time = Field(dt.time(18, 0), description="When counting is expected to be over on voting day (WIB): rain and thunder are scored for voting-day readiness until then.")
    pola_file: str = Field("config/pola.toml", description="TOML file with the pola pengamanan per kerawanan.")

    # --- database ---
    database_url: str = Field("sqlite:///data/ops.db", description="SQLAlchemy URL. SQLite paths are relative to the project; PostgreSQL as postgresql+psycopg://user@host/db.")
    position_retention_days: int = Field(30, description="Days of position history kept on PostgreSQL, counted on the operation clock: older days are dropped whole, a day partition at a time. TPS status reports are kept for the whole operation (every past moment's readiness is computed from them).", ge=1)
    partition_days_ahead: int = Field(7, description="Days ahead of the operation clock for which the event tables get their day partitions on PostgreSQL (made by init and the worker's daily job; rows of a day without one wait in a default partition).", ge=1)

    # --- clock ---
    clock_start: dt.datetime | None = Field(None, description="Scenario clock: the operation moment (WIB, e.g. 2024-11-27T10:00) at which the clock starts when `init` runs or the clock is set. Empty means real time.")
    clock_speed: float = Field(1.0, description="Scenario clock speed: operation seconds per real second.", gt=0, le=3600)

    # --- demo ---
    demo: bool | None = Field(None, description="1 runs every feed from the built-in demo source (ops.demo.source) instead of its URL; 0 never; empty follows the database (on after `init --demo`).")
    demo_seed: int = Field(20241127, description="Seed of the deterministic demo operation.")
    demo_scale: float = Field(1.0, description="Share of the real TPS count that the synthetic Polda and national demos build (`init --demo --region sumatera_selatan|indonesia`); 0.02 makes a quick one that still spans every kabupaten.", gt=0, le=1)
    demo_clock_start: dt.datetime = Field(dt.datetime(2024, 11, 27, 10, 0), description="Where `init --demo` sets the scenario clock when clock_start is empty (WIB).")

    # --- feeds ---
    bmkg_forecast_url: str = Field("https://api.bmkg.go.id/publik/prakiraan-cuaca", description="Base URL of the BMKG forecast API (?adm4= is added).")
    bmkg_nowcast_url: str = Field("https://www.bmkg.go.id/alerts/nowcast/id", description="Base URL of the BMKG nowcast warnings (rss.xml and {CODE}_alert.xml are added).")
    openmeteo_url: str = Field("https://api.open-meteo.com/v1/forecast", description="Base URL of the Open-Meteo forecast API (fallback weather).")
    openmeteo_flood_url: str = Field("https://flood-api.open-meteo.com/v1/flood", description="Base URL of the Open-Meteo Flood API (river discharge).")
    traccar_url: str = Field("", description="Base URL of the Traccar server (/api/devices and /api/positions are added). Empty disables the feed.")
    traccar_token: str = Field("", description="Bearer token of the Traccar user that sees the Polres devices.")
    tps_status_url: str = Field("", description="URL of the published TPS status sheet (CSV or JSON). Empty disables the feed.")
    sirekap_url: str = Field("https://sirekappilkada-obj-data.kpu.go.id", description="Base URL of KPU Sirekap public JSON.")
    feeds_enabled: list[str] = Field([f.name for f in registry.FEEDS if f.enabled], description="Feeds the scheduler runs (in demo mode every feed runs, from the demo source).")
    feed_intervals: dict[str, float] = Field({f.name: f.interval_minutes for f in registry.FEEDS}, description="Minutes between runs, per feed (fractions allowed: traccar 0.5 polls every 30 seconds); a feed not named keeps its default.")
    stale_after_intervals: float = Field(3.0, description="A feed is stale when its last success is older than this many of its intervals.")
    http_timeout_s: float = Field(15.0, description="Deadline of one HTTP request to a feed (seconds): connecting, waiting and reading the whole body, however slowly it trickles.", gt=0)
    http_max_bytes: int = Field(10_000_000, description="Largest body accepted from a feed (bytes); a larger answer is cut off and the request fails naming the URL and this cap.", ge=1000)
    http_retries: int = Field(3, description="Retries of a failed feed request, with exponential backoff (429 honours Retry-After).", ge=0, le=10)
    bmkg_requests_per_minute: int = Field(60, description="BMKG rate limit: requests per minute per IP.", ge=1)
    bmkg_run_deadline_s: float = Field(900.0, description="Deadline of a whole BMKG forecast run (seconds); a run cut off keeps what arrived and says how far it got. Leave room for the desa count at bmkg_requests_per_minute.", gt=0)
    bmkg_stop_after_failures: int = Field(5, description="Desa in a row whose request fails (no connection, no answer in time, HTTP 5xx) after which a BMKG forecast run stops: BMKG is down.", ge=1)
    bmkg_forecast_desa: list[str] = Field([], description="Desa codes to fetch forecasts for; empty means every desa with a TPS.")
    river_discharge_threshold: float = Field(400.0, description="River discharge (m³/s) above which a river route is flagged.")
    traccar_silent_minutes: int = Field(15, description="A tracker with no fix for this many minutes is silent.")

    # --- deployment and readiness ---
    on_site_radius_m: float = Field(150.0, description="A fix within this distance of the TPS counts as on site.")
    on_site_dwell_minutes: int = Field(10, description="Fixes must hold within the radius this long before an officer counts as on site.")
    road_speed_kmh: float = Field(35.0, description="Average road travel speed for travel times.")
    river_speed_kmh: float = Field(15.0, description="Average boat speed on river routes.")
    duty_shift_start: dt.time = Field(dt.time(6, 0), description="Start of the day shift (pagi, WIB); the night shift (malam) starts 12 hours later. Officers are assigned one task, or none, per shift.")
    task_plan: dict[str, int] = Field({"pam_gudang": 4, "pam_ppk": 2, "posko": 6, "patroli": 2, "cadangan": 2}, description="Officers per shift for the posts no pola or leg sets: pam_gudang (the KPU warehouse), pam_ppk (each PPK while ballot boxes are there), posko (the Polres Posko), patroli and cadangan (each Polsek).")
    escort_stages: list[str] = Field(["gudang-ppk", "ppk-pps", "pps-ppk"], description="Logistics stages whose legs each get an escort team; the legs between PPS and TPS travel with the TPS's own PAM TPS guards.")
    escort_team_size: int = Field(2, description="Polri escorting one logistics leg (out with the boxes and back).", ge=1)
    boat_crew_size: int = Field(1, description="Sat Polairud crew of the boat on a river leg, besides its escort team.", ge=0)
    polres_hq: list[float] = Field([], description="Latitude and longitude of the Polres HQ and Posko of a Polres operation: Posko staff are on site there, and reserves without a Polsek wait there. Empty, and at a Polda or the nation (every Polres has its own): those count by their tracker only.")
    reaction_dispatch_minutes: float = Field(10.0, description="Minutes from the order to a reserve leaving (briefing, mounting up), added to its travel time to a TPS.", ge=0)
    reaction_limit_minutes: float = Field(60.0, description="A TPS that the nearest available reserve cannot reach within this many minutes needs attention (Perhatian waktu_reaksi).", gt=0)

    readiness_weights: dict[str, dict[str, float]] = Field({
        "sebelum": {"personel": 0.35, "logistik": 0.3, "koordinasi": 0.2, "rute": 0.15},
        "pemungutan": {"di_lokasi": 0.3, "dibuka": 0.25, "kejadian": 0.2, "penghitungan": 0.15, "cuaca": 0.1},
        "sesudah": {"kotak_kembali": 0.4, "diterima_ppk": 0.4, "rekap": 0.2},
    }, description="Weight of each readiness component per tahapan (components not yet due are left out).")
    readiness_ready_threshold: float = Field(0.8, description="A TPS counts as ready when its score reaches this (0-1).", ge=0, le=1)
    readiness_target_share: float = Field(0.95, description="Share of TPS that should be ready: at or above it the readiness tile is green, within 15 points amber, below that red.", gt=0, le=1)
    heavy_rain_mm: float = Field(10.0, description="Forecast rain in one 3-hour slot (mm) that makes a river route risky and postpones a boat (tunda).")
    river_rain_caution_mm: float = Field(5.0, description="Forecast rain in one 3-hour slot (mm) that calls for care (hati-hati) on a river leg.")
    river_wind_caution_kmh: float = Field(25.0, description="Forecast wind (km/h) that calls for care on a river leg.")
    river_wind_stop_kmh: float = Field(40.0, description="Forecast wind (km/h) that postpones a river leg.")

    # --- perhatian (command by exception) ---
    perhatian_open_by: dt.time = Field(dt.time(7, 30), description="A TPS not reported open by this time on voting day (WIB) needs attention.")
    perhatian_counting_by: dt.time = Field(dt.time(13, 30), description="A TPS whose counting has not been reported started by this time (WIB) needs attention.")
    perhatian_boxes_at_ppk_hours: float = Field(23.0, description="Hours after TPS closing by which the ballot boxes of every TPS must be received at the PPK (23: H+1 12:00).", gt=0)
    perhatian_river_lookahead_hours: float = Field(12.0, description="River legs leaving within this many hours are judged for Perhatian (a boat is postponed before it is loaded).", ge=0)
    perhatian_incident_followup_minutes: int = Field(30, description="An open high (tinggi) incident with no follow-up for this many minutes becomes kritis.", ge=1)
    perhatian_night_start: dt.time = Field(dt.time(18, 0), description="Start of the night watch (WIB): ballot boxes at a TPS with no guard on site from then need attention.")
    perhatian_night_end: dt.time = Field(dt.time(6, 0), description="End of the night watch (WIB).")
    perhatian_group_over: int = Field(5, description="More items of one kind than this in one kecamatan are shown as one kecamatan item (with its TPS listed).", ge=1)
    perhatian_escalate_minutes: dict[str, int] = Field({"kritis": 5, "tinggi": 15, "sedang": 60}, description="Minutes an item may stay new (not taken) before it is escalated and sent again, per severity; a severity not listed is never escalated.")

    # --- notifications ---
    telegram_bot_token: str = Field("", description="Telegram bot token; empty disables the Telegram channel.")
    telegram_chat_id: str = Field("", description="Telegram chat (group) id that receives Perhatian items.")
    telegram_api_url: str = Field("https://api.telegram.org", description="Telegram Bot API base; /bot<token>/sendMessage is added.")
    webhook_url: str = Field("", description="URL that receives Perhatian items as signed JSON (POST); empty disables the webhook channel.")
    webhook_secret: str = Field("", description="Secret for the webhook's HMAC-SHA256 signature (header X-Posko-Signature).")
    notify_min_severity: str = Field("tinggi", description="Lowest severity sent to the channels (kritis, tinggi, sedang, info).")
    notify_rate_per_minute: int = Field(20, description="Most messages sent per channel per minute (Telegram allows about 20 a minute to a group).", ge=1)

    # --- read model ---
    readmodel_snapshot_hours: float = Field(3.0, description="Operation hours between snapshots of the read model; a replay starts from the nearest one before its moment.", gt=0)
    readmodel_fresh_minutes: float = Field(3.0, description="Pages read the read model while the worker has refreshed it within this many minutes of the operation clock; else they compute from the event history.", gt=0)

    # --- imports and access ---
    import_max_bytes: int = Field(5_000_000, description="Largest import file accepted (bytes).", ge=1000)
    import_max_rows: int = Field(50_000, description="Most data rows accepted in one import file (in an XLSX sheet, formatted blank rows count too).", ge=1)
    import_max_columns: int = Field(50, description="Most columns accepted in one import file.", ge=1)
    import_max_unpacked_bytes: int = Field(20_000_000, description="Largest size the parts of an XLSX import may unpack to, all together (bytes), checked before anything is unpacked; 20 MB holds about as many rows as a 5 MB CSV.", ge=1000)
    import_desa_tolerance_m: float = Field(300.0, description="How far outside its desa boundary a TPS may lie in an import (metres): boundaries are approximate.", ge=0)

    # --- sign-in (throttling and lockout, per user and per browser session, shared by every server on the database) ---
    login_delay_after_failures: int = Field(3, description="Failed logins after which every further try must wait: after the k-th failure beyond this count, login_delay_seconds × 2^k.", ge=1)
    login_delay_seconds: float = Field(1.0, description="The first wait (seconds) once login_delay_after_failures is reached; it doubles with each further failure.", ge=0)
    login_max_failures: int = Field(10, description="Failed logins within login_window_minutes that lock the user name (and the browser session) for login_lockout_minutes.", ge=2)
    login_window_minutes: float = Field(15.0, description="Failed logins older than this (minutes) no longer count; a successful login or an admin's unlock also starts the count afresh.", gt=0)
    login_lockout_minutes: float = Field(15.0, description="How long a lock lasts (minutes); an admin can lift it sooner on the Pengguna & audit page.", gt=0)

    # --- briefing ---
    briefing_dir: str = Field("data/briefings", description="Folder where daily briefings (PDF and HTML) are written and archived (relative to the project).")
    briefing_time: dt.time = Field(dt.time(6, 0), description="Time of day (WIB) the scheduler writes the daily briefing.")
    chromium_path: str = Field("", description="Chromium or Chrome used to draw the briefing's charts; empty searches PATH for chromium, chromium-browser, google-chrome.")

    # --- scheduler and worker ---
    scheduler_lease_seconds: float = Field(90.0, description="How long the scheduler lease lasts without renewal; a worker that stops renewing (died, frozen) loses it after this and another takes over.", gt=0)
    scheduler_renew_seconds: float = Field(30.0, description="How often the lease holder renews the lease (well under scheduler_lease_seconds).", gt=0)
    job_poll_seconds: float = Field(2.0, description="How often the lease holder looks for queued work (a briefing asked for from the Laporan harian page).", gt=0)
    db_retry_seconds: float = Field(5.0, description="When the database does not answer: the worker's first wait before trying again (doubling up to db_retry_max_seconds); pages and the wall try again at this interval.", gt=0)
    db_retry_max_seconds: float = Field(60.0, description="Longest wait of the worker between tries of a database that does not answer.", gt=0)

    # --- dashboard ---
    map_tiles: str = Field("", description="Tile URL template ({z}/{x}/{y}) for a basemap under the map. Empty, or tiles that do not answer: blank background with boundaries (works offline).")
    map_max_points: int = Field(3000, description="Most TPS (and officers) the map draws one by one; above it they are drawn per desa, kecamatan, kabupaten or province (the finest that fits), sized by how many.", ge=100)
    ui_refresh_seconds: int = Field(30, description="How often live panels refresh.", ge=5)
    wall_views: list[str] = Field(["ringkasan", "peta", "kecamatan", "logistik"], description="Views the Posko wall screen rotates through, in order (ringkasan, peta, kecamatan, logistik).")
    wall_scale: float = Field(1.0, description="Size of the wall's charts: 1 for a 1920x1080 screen, 2 for 4K without browser zoom (?skala= in the URL overrides).", gt=0)
    wall_rotate_seconds: int = Field(20, description="Seconds each wall view stays on screen; data is re-read at every turn.", ge=3)
    cache_ttl_seconds: int = Field(20, description="How long the dashboard caches query results.", ge=0)
    run_scheduler_in_app: bool = Field(False, description="Single-process setup: the Streamlit server also runs the scheduler while no worker holds the lease. Normally off: `python -m ops worker` runs it and the server only reads.")

    @field_validator("wall_views")
    @classmethod
    def _known_views(cls, v: list[str]) -> list[str]:
        unknown = [x for x in v if x not in WALL_VIEWS]
        if unknown or not v:
            raise ValueError(f"unknown or no wall view(s) {unknown}; known: {', '.join(WALL_VIEWS)}")
        return v

    @field_validator("task_plan")
    @classmethod
    def _known_tasks(cls, v: dict[str, int]) -> dict[str, int]:
        from ops.tasks import PLANNED_TASKS

        _only_known(v, PLANNED_TASKS, "task(s)")
        if any(n < 0 for n in v.values()):
            raise ValueError("a count of officers cannot be negative")
        return v

    @field_validator("escort_stages")
    @classmethod
    def _known_stages(cls, v: list[str]) -> list[str]:
        from ops.logistics import STAGES

        _only_known(v, STAGES, "stage(s)")
        return v

    @field_validator("polres_hq")
    @classmethod
    def _lat_lon(cls, v: list[float]) -> list[float]:
        if v and (len(v) != 2 or not (-90 <= v[0] <= 90 and -180 <= v[1] <= 180)):
            raise ValueError("give [latitude, longitude], e.g. [-3.224, 104.657]")
        return v

    @field_validator("area_code")
    @classmethod
    def _area_code(cls, v: str | None) -> str | None:
        parts = v.split(".") if v else []
        if v and not (len(parts) <= 2 and all(len(p) == 2 and p.isdigit() for p in parts)):
            raise ValueError(f"{v!r} is not a province (16) or kabupaten/kota (16.10) code, nor empty for the nation")
        return v

    @field_validator("notify_min_severity")
    @classmethod
    def _known_severity(cls, v: str) -> str:
        if v not in SEVERITIES:
            raise ValueError(f"unknown severity {v!r}; known: {', '.join(SEVERITIES)}")
        return v

    @field_validator("feeds_enabled")
    @classmethod
    def _known_feeds(cls, v: list[str]) -> list[str]:
        _only_known(v, FEED_NAMES, "feed(s)")
        return v

    @field_validator("feed_intervals")
    @classmethod
    def _intervals(cls, v: dict[str, float]) -> dict[str, float]:
        _only_known(v, FEED_NAMES, "feed(s)")
        if any(minutes <= 0 for minutes in v.values()):
            raise ValueError("an interval must be more than 0 minutes")
        return {**{f.name: f.interval_minutes for f in registry.FEEDS}, **v}

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings):
        return (init_settings, env_settings, _TomlSource(settings_cls))

    def path(self, relative: str) -> Path:
        """A path setting resolved against the project folder."""
        p = Path(relative)
        return p if p.is_absolute() else PROJECT_ROOT / p


def _only_known(values, known, what: str) -> None:
    unknown = [x for x in values if x not in known]
    if unknown:
        raise ValueError(f"unknown {what} {unknown}; known: {', '.join(known)}")


class _TomlSource(PydanticBaseSettingsSource):
    def __init__(self, settings_cls: type[BaseSettings]):
        super().__init__(settings_cls)
        self.path = Path(os.environ.get("OPS_CONFIG") or DEFAULT_CONFIG)
        self.data = _read_toml(self.path)

    def get_field_value(self, field, field_name):  # pragma: no cover - __call__ does the work
        return self.data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self.data)


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.exists():
        if "OPS_CONFIG" in os.environ:
            raise ConfigError(f"OPS_CONFIG names {path}, which does not exist.")
        return {}
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML ({e}).") from e
    flat: dict[str, Any] = {}
    for key, value in raw.items():
        # Tables are headings only; a table value that is itself a setting (feed_intervals) stays whole.
        field = Settings.model_fields.get(key)
        if isinstance(value, dict) and not (field and getattr(field.annotation, "__origin__", None) is dict):
            for inner, v in value.items():
                flat[inner] = v
        else:
            flat[key] = value
    unknown = sorted(set(flat) - set(Settings.model_fields))
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s) {', '.join(unknown)}.")
    return flat


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as e:
        lines = [f"  {'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()]
        raise ConfigError("Invalid settings (config file or OPS_* variables):\n" + "\n".join(lines)) from e


def reset_settings() -> None:
    """Forget the cached settings (tests and the CLI change the environment)."""
    get_settings.cache_clear()


def load_pola(settings: Settings) -> dict[str, tuple[int, int, int]]:
    """Pola pengamanan per kerawanan as (polri, tps, linmas), e.g. 2-8-16 -> (2, 8, 16)."""
    path = settings.path(settings.pola_file)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"Cannot read pola pengamanan from {path}: {e}") from e
    pola: dict[str, tuple[int, int, int]] = {}
    for kelas in ("kurang_rawan", "rawan", "sangat_rawan"):
        text = str(raw.get("pola", {}).get(kelas, ""))
        parts = text.split("-")
        if len(parts) != 3 or not all(p.isdigit() and int(p) > 0 for p in parts):
            raise ConfigError(f"{path}: pola.{kelas} must look like 2-8-16 (Polri-TPS-Linmas), got {text!r}.")
        pola[kelas] = (int(parts[0]), int(parts[1]), int(parts[2]))
    return pola
