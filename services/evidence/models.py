"""Evidence's own tables."""
import datetime as dt

from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, Float, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ekinerja_contract.db import messaging_tables


class Base(DeclarativeBase):
    pass


class Evidence(Base):
    __tablename__ = "evidence"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    owner_id: Mapped[int] = mapped_column(Integer, index=True)
    object_key: Mapped[str] = mapped_column(String(200), index=True)  # shared when content-addressed
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    # pending -> stored (in staging, unlocked) -> linked (locked); unlinked uploads expire;
    # stored -> damaged when the full check finds it unreadable (its bytes removed)
    status: Mapped[str] = mapped_column(String(20), index=True)
    # the uploader's SHA-256, signed into the upload URL for the store to check
    declared_sha256: Mapped[str | None] = mapped_column(String(64))
    # read whole (decoded, thumbnail made; a PDF scanned), apart from the upload's request
    checked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    problem: Mapped[str | None] = mapped_column(String(60))  # the error code, when damaged
    report_id: Mapped[int | None] = mapped_column(Integer)
    viewers: Mapped[list] = mapped_column(JSON, default=list)  # approvers, escalation targets
    agency_id: Mapped[int | None] = mapped_column(Integer)  # the report's, when linked
    # Why a review team may open it: "disputed" (an objection) or "approved" (post-audit
    # of paid work); None: the review team has no business with it (yet).
    review: Mapped[str | None] = mapped_column(String(12))
    version_id: Mapped[str | None] = mapped_column(String(200))
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    captured_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=False))
    gps_lat: Mapped[float | None] = mapped_column(Float)
    gps_lon: Mapped[float | None] = mapped_column(Float)
    thumbnail_key: Mapped[str | None] = mapped_column(String(200))
    reused_by_other: Mapped[bool] = mapped_column(Boolean, default=False)
    # the report's approval was revoked (0004): its shared links open no more
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    stored_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class EvidenceView(Base):
    """Every time someone was handed a piece of evidence."""
    __tablename__ = "evidence_view"
    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[str] = mapped_column(String(36), index=True)
    account_id: Mapped[int] = mapped_column(Integer)  # 0: opened by a shared link
    viewed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    # the day of the shared link it came through (0004), None when by an account
    via_link_until: Mapped[dt.date | None] = mapped_column(Date)


class ShareKey(Base):
    """The key that signs shared links (0004): one row, made on first use, so that every
    instance signs and checks alike and links outlive restarts; deleting it kills them all."""
    __tablename__ = "share_key"
    id: Mapped[int] = mapped_column(primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class PhotoPrint(Base):
    """A photo's perceptual fingerprint (0005; services/evidence/perceptual.py), indexed for
    the near-duplicate lookup across all employees and months: the pHash cut in four
    16-bit parts, each indexed. Two hashes within 11 bits have a part within 2 bits
    (pigeonhole), so a lookup probes 4 x 137 part values and checks the few it finds."""
    __tablename__ = "photo_print"
    evidence_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    owner_id: Mapped[int] = mapped_column(Integer)
    dhash: Mapped[int] = mapped_column(BigInteger)  # signed (perceptual.as_signed)
    phash: Mapped[int] = mapped_column(BigInteger)
    part0: Mapped[int] = mapped_column(Integer, index=True)
    part1: Mapped[int] = mapped_column(Integer, index=True)
    part2: Mapped[int] = mapped_column(Integer, index=True)
    part3: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


outbox, inbox = messaging_tables(Base.metadata)
