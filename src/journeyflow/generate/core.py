"""The journey model every writer of ``journeyflow.generate`` builds on, and its first exports.

The files look like what GA4 (BigQuery export), HubSpot, Zendesk and the NPS tool export, so the
loaders can be developed and tested without real customer data. Everything is derived from one
``numpy.random.Generator`` per chunk of persons, so the same seed and arguments give byte-identical
files.

Model, per person: a first-touch channel decides how far the journey gets (awareness only,
consideration, or conversion - web purchase or a B2B HubSpot deal that closes won). The journey is
a sequence of sessions (awareness, consideration, lead, sign-up, cart abandon, purchase, account,
repeat purchase, cancel); each session kind has an event template whose optional slots are switched
on or off with vectorised masks. Sessions are spaced hours to weeks apart, events inside a session
seconds to minutes apart. CRM contacts, deals, tickets and NPS answers are derived from the same
persons and their web timestamps, so identities and dates agree across sources.

Defects (only with ``defects=True``; each is one EXTRA record, real persons' rows stay intact):

1. GA4: one line truncated mid-JSON (invalid JSON).
2. GA4: one line whose ``event_timestamp`` is ``"not-a-number"``.
3. GA4: one line whose ``event_timestamp`` is in 1999.
4. GA4: one exact duplicate line (a valid line repeated right after itself).
5. HubSpot contacts: one row with one extra field (too many columns).
6. HubSpot contacts: one row whose ``Create Date`` is ``31.02.2026 10:00``.
7. HubSpot deals: one row with ``Amount`` ``n/a``.
8. Zendesk tickets: one ticket with ``"created_at": null``.
9. NPS: one row with score ``11``.
10. NPS: one exact duplicate row (repeated right after itself).

The other sources (``journeyflow.generate.web``, ``.support``, ``.crm``, ...) are written from the
``people`` this module returns, each with its own random stream and defects.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

CORE_DEFECTS: dict[str, str] = {
    "ga4_truncated_json": "GA4: one line truncated mid-JSON (invalid JSON)",
    "ga4_timestamp_not_a_number": 'GA4: one line with event_timestamp "not-a-number"',
    "ga4_timestamp_1999": "GA4: one line with event_timestamp in 1999",
    "ga4_duplicate_line": "GA4: one valid line repeated right after itself",
    "hubspot_contacts_extra_field": "HubSpot contacts: one row with one field too many",
    "hubspot_contacts_bad_create_date":
        "HubSpot contacts: one row with Create Date 31.02.2026 10:00",
    "hubspot_deals_amount_na": "HubSpot deals: one row with Amount n/a",
    "zendesk_ticket_null_created_at": 'Zendesk tickets: one ticket with "created_at": null',
    "nps_score_11": "NPS: one row with score 11",
    "nps_duplicate_row": "NPS: one row repeated right after itself",
}
"""This module's injected defects; every one is exactly one extra record."""

CORE_DEFECT_ROWS: dict[str, int] = {
    "ga4_events": 4,
    "hubspot_contacts": 2,
    "hubspot_deals": 1,
    "zendesk_tickets": 1,
    "zendesk_users": 0,
    "survey_nps": 2,
}
"""Extra (defective) records per file kind this module adds with ``defects=True``."""

CHUNK_PERSONS = 50_000  # persons per chunk: bounds memory for large N, fixed so output is stable
SECOND_US = 1_000_000
MINUTE_US = 60 * SECOND_US
HOUR_US = 60 * MINUTE_US
DAY_US = 24 * HOUR_US
DAY_S = 86_400.0

# --------------------------------------------------------------------------------------------
# Channels (first touch) and campaigns
# --------------------------------------------------------------------------------------------
CH_ORGANIC, CH_PAID_SEARCH, CH_PAID_SOCIAL, CH_EMAIL = 0, 1, 2, 3
CH_REFERRAL, CH_DIRECT, CH_DISPLAY, CH_OFFLINE = 4, 5, 6, 7
_CH_SOURCE = ("google", "google", "facebook", "newsletter", "partner-blog.com", "(direct)", "gdn",
              "print")
_CH_MEDIUM = ("organic", "cpc", "paid_social", "email", "referral", "(none)", "display", "offline")
_CH_SHARE = np.array([0.27, 0.15, 0.14, 0.09, 0.08, 0.16, 0.07, 0.04])
# P(stays in awareness), P(reaches consideration only); the rest converts (~45% / ~25% / ~30%).
_CH_P_AWARE = np.array([0.45, 0.40, 0.58, 0.30, 0.38, 0.42, 0.65, 0.40])
_CH_P_CONSIDER = np.array([0.26, 0.25, 0.24, 0.28, 0.27, 0.25, 0.22, 0.25])
_CH_HUBSPOT = ("Organic Search", "Paid Search", "Paid Social", "Email Marketing", "Referrals",
               "Direct Traffic", "Other Campaigns", "Offline Sources")
_CH_REFERRER = ("https://www.google.com/", "https://www.google.com/", "https://m.facebook.com/",
                None, "https://partner-blog.com/best-standing-desks-2026/", None,
                "https://googleads.g.doubleclick.net/", None)
_CH_CAMPAIGNS = (
    ("(organic)",),
    ("brand_search", "spring_sale", "generic_desks"),
    ("summer_reels", "retargeting_q3"),
    ("newsletter_weekly", "product_launch"),
    ("(referral)",),
    ("(direct)",),
    ("gdn_prospecting", "gdn_remarketing"),
    ("flyer_qr_2026",),
)
_CAMP_N = np.array([len(c) for c in _CH_CAMPAIGNS])
_CAMP_OFF = np.concatenate([[0], np.cumsum(_CAMP_N)[:-1]])
_CAMP_CH = np.repeat(np.arange(len(_CH_CAMPAIGNS)), _CAMP_N)
_CAMP_NAME = [name for names in _CH_CAMPAIGNS for name in names]
_CAMP_SOURCE = [_CH_SOURCE[c] for c in _CAMP_CH]
_CAMP_MEDIUM = [_CH_MEDIUM[c] for c in _CAMP_CH]

# --------------------------------------------------------------------------------------------
# Site: pages, products
# --------------------------------------------------------------------------------------------
SITE = "https://shop.example.com"
_FIXED_PAGES = (
    ("/", "Ergonomic office furniture | Example Shop"),
    ("/pricing", "Prices & care plans | Example Shop"),
    ("/compare", "Compare standing desks | Example Shop"),
    ("/reviews", "Customer reviews | Example Shop"),
    ("/demo", "Book a showroom demo | Example Shop"),
    ("/cart", "Your cart | Example Shop"),
    ("/checkout", "Checkout | Example Shop"),
    ("/account", "Your account | Example Shop"),
    ("/account/cancel", "Cancel care plan | Example Shop"),
)
P_HOME, P_PRICING, P_COMPARE, P_REVIEWS, P_DEMO, P_CART, P_CHECKOUT, P_ACCOUNT, P_CANCEL = range(9)
_BLOG = (
    ("standing-desk-buying-guide", "Standing desk buying guide"),
    ("how-high-should-my-desk-be", "How high should my desk be?"),
    ("home-office-ergonomics-checklist", "Home office ergonomics checklist"),
    ("sit-stand-routine", "A sit-stand routine that sticks"),
    ("best-office-chairs-2026", "The best office chairs of 2026"),
    ("cable-management-tips", "Cable management tips"),
    ("back-pain-and-sitting", "Back pain and sitting: what helps"),
    ("office-fit-out-checklist", "Office fit-out checklist for teams"),
    ("monitor-arm-setup", "Setting up a monitor arm"),
    ("desk-plants-that-survive", "Desk plants that survive"),
)
_PRODUCTS = (
    ("sd-100", "Standing Desk SD-100", 449.0),
    ("sd-200", "Standing Desk SD-200 Dual Motor", 699.0),
    ("sd-300", "Standing Desk SD-300 Oak", 949.0),
    ("ch-10", "Office Chair CH-10", 329.0),
    ("ch-20", "Office Chair CH-20 Mesh", 489.0),
    ("ch-30", "Office Chair CH-30 Executive", 799.0),
    ("ma-1", "Monitor Arm MA-1", 129.0),
    ("ma-2", "Dual Monitor Arm MA-2", 189.0),
    ("fr-1", "Foot Rest FR-1", 49.0),
    ("bm-1", "Balance Board BM-1", 89.0),
    ("lp-1", "Laptop Stand LP-1", 59.0),
    ("cm-1", "Cable Tray CM-1", 39.0),
    ("dl-1", "Desk Lamp DL-1", 119.0),
    ("cp-1", "Care Plan 3 Years", 99.0),
)
P_BLOG0 = len(_FIXED_PAGES)
P_PROD0 = P_BLOG0 + len(_BLOG)
_PAGE_PATH = ([p for p, _ in _FIXED_PAGES] + [f"/blog/{s}" for s, _ in _BLOG]
              + [f"/product/{s}" for s, _, _ in _PRODUCTS])
_PAGE_TITLE = ([t for _, t in _FIXED_PAGES] + [f"{t} | Example Shop Blog" for _, t in _BLOG]
               + [f"{n} | Example Shop" for _, n, _ in _PRODUCTS])
_PAGE_URL = [SITE + p for p in _PAGE_PATH]
_PRICE = np.array([p for _, _, p in _PRODUCTS])
_PROD_CUM = np.cumsum(1.0 / np.arange(1, len(_PRODUCTS) + 1) ** 0.8)
_PROD_CUM /= _PROD_CUM[-1]
# Referrer vocabulary: internal page URLs, then one external referrer per channel (some None).
_REF_VOCAB = _PAGE_URL + list(_CH_REFERRER) + [None]
_REF_EXT0 = len(_PAGE_URL)
_REF_NONE = len(_REF_VOCAB) - 1

# Page classes for random picks: home, blog, product, pricing, compare, reviews.
_CLASS_FIXED = np.array([P_HOME, -1, -1, P_PRICING, P_COMPARE, P_REVIEWS])

# --------------------------------------------------------------------------------------------
# Events, session kinds and their templates
# --------------------------------------------------------------------------------------------
_EVENTS = ("first_visit", "session_start", "page_view", "login", "view_item", "add_to_cart",
           "begin_checkout", "purchase", "sign_up", "generate_lead", "cancel_subscription")
E_FV, E_SS, E_PV, E_LOGIN, E_VI, E_ATC, E_BC, E_PUR, E_SIGNUP, E_LEAD, E_CANCEL = range(11)
# Gap to the previous event in the same session: (median s, sigma, min s, max s). Max << 30 min.
_GAP = np.array([
    (0.001, 0.3, 0.0005, 0.003),  # first_visit
    (0.002, 0.5, 0.0005, 0.01),  # session_start
    (35.0, 0.9, 2.0, 600.0),  # page_view
    (15.0, 0.6, 4.0, 120.0),  # login
    (1.0, 0.6, 0.2, 5.0),  # view_item
    (20.0, 0.8, 3.0, 300.0),  # add_to_cart
    (3.0, 0.5, 1.0, 15.0),  # begin_checkout
    (90.0, 0.7, 20.0, 900.0),  # purchase
    (90.0, 0.6, 20.0, 600.0),  # sign_up
    (60.0, 0.6, 15.0, 600.0),  # generate_lead
    (40.0, 0.6, 8.0, 300.0),  # cancel_subscription
])
_GAP_LANDING = (0.05, 0.8, 0.005, 0.5)  # landing page_view right after session_start

K_AWARE, K_CONSIDER, K_NEWS, K_DEMO, K_SIGNUP = 0, 1, 2, 3, 4
K_ABANDON, K_PURCHASE, K_ACCOUNT, K_REPEAT, K_CANCEL = 5, 6, 7, 8, 9
NK = 10
# Page specs (>= 0 is a fixed page id) and slot conditions.
S_LAND, S_BROWSE_A, S_BROWSE_C, S_FOCUS, S_INHERIT, S_BLOG = -1, -2, -3, -4, -5, -6
C_NEVER, C_ALWAYS, C_FIRST, C_LOGIN, C_BROWSE, C_VIEWITEM, C_CHECKOUT = range(7)
LOGIN_SLOT = 3


def _templates() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Event slot templates per session kind, padded to one width so masks can be vectorised."""
    a = C_ALWAYS
    pre = [(E_FV, S_LAND, C_FIRST, 0), (E_SS, S_LAND, a, 0), (E_PV, S_LAND, a, 0),
           (E_LOGIN, S_INHERIT, C_LOGIN, 0)]

    def browse(spec: int, n: int, view_item: bool = True) -> list[tuple[int, int, int, int]]:
        out = []
        for i in range(n):
            out.append((E_PV, spec, C_BROWSE, i))
            if view_item:
                out.append((E_VI, S_INHERIT, C_VIEWITEM, i))
        return out

    def cart(checkout: int) -> list[tuple[int, int, int, int]]:
        return [(E_PV, S_FOCUS, a, 0), (E_VI, S_INHERIT, a, 0), (E_ATC, S_INHERIT, a, 0),
                (E_PV, P_CART, a, 0), (E_PV, P_CHECKOUT, checkout, 0),
                (E_BC, S_INHERIT, checkout, 0)]

    purchase = pre + browse(S_BROWSE_C, 3) + cart(a) + [(E_PUR, S_INHERIT, a, 0)]
    kinds = {
        K_AWARE: pre + browse(S_BROWSE_A, 4, view_item=False),
        K_CONSIDER: pre + browse(S_BROWSE_C, 6),
        K_NEWS: pre + browse(S_BROWSE_C, 3) + [(E_PV, S_BLOG, a, 0), (E_LEAD, S_INHERIT, a, 0)],
        K_DEMO: pre + browse(S_BROWSE_C, 4) + [(E_PV, P_DEMO, a, 0), (E_LEAD, S_INHERIT, a, 0)],
        K_SIGNUP: pre + browse(S_BROWSE_C, 4)
        + [(E_PV, P_ACCOUNT, a, 0), (E_SIGNUP, S_INHERIT, a, 0)],
        K_ABANDON: pre + browse(S_BROWSE_C, 2) + cart(C_CHECKOUT),
        K_PURCHASE: purchase,
        K_ACCOUNT: pre + [(E_PV, P_ACCOUNT, a, 0)] + browse(S_BROWSE_C, 3),
        K_REPEAT: purchase,
        K_CANCEL: pre + [(E_PV, P_ACCOUNT, a, 0), (E_PV, P_CANCEL, a, 0),
                         (E_CANCEL, S_INHERIT, a, 0)],
    }
    width = max(len(t) for t in kinds.values())
    te = np.zeros((NK, width), np.int64)
    tp = np.zeros((NK, width), np.int64)
    tc = np.full((NK, width), C_NEVER, np.int64)
    tb = np.zeros((NK, width), np.int64)
    for k, slots in kinds.items():
        for j, (e, p, c, b) in enumerate(slots):
            te[k, j], tp[k, j], tc[k, j], tb[k, j] = e, p, c, b
    kmax = np.array([(tc[k] == C_BROWSE).sum() for k in range(NK)])
    return te, tp, tc, tb, kmax


_TE, _TP, _TC, _TB, _KMAX = _templates()
_TW = _TE.shape[1]
_SIGNUP_SLOT = int(np.flatnonzero(_TE[K_SIGNUP] == E_SIGNUP)[0])
# Browse page views per session: geometric(p) - 1 + min, clipped to the template's slots.
_KP = np.array([0.5, 0.35, 0.5, 0.4, 0.5, 0.6, 0.55, 0.55, 0.55, 1.0])
_KMIN = np.array([0, 1, 0, 1, 0, 0, 0, 0, 0, 0])
# Gap before a session of this kind (median days, sigma): hours to weeks.
_SESSION_GAP = np.array([(1.5, 1.3)] * 6 + [(1.0, 1.2), (7.0, 0.9), (30.0, 0.45), (21.0, 0.7)])
# Page-class probabilities (home, blog, product, pricing, compare, reviews).
_LAND_P = np.array(
    [[0.40, 0.60, 0, 0, 0, 0]] + [[0.40, 0.10, 0.35, 0.15, 0, 0]] * 4
    + [[0.40, 0, 0.60, 0, 0, 0]] * 2 + [[0.75, 0.25, 0, 0, 0, 0]] + [[0.40, 0, 0.60, 0, 0, 0]]
    + [[0.75, 0.25, 0, 0, 0, 0]]
)
_BROWSE_A_P = np.array([0.25, 0.75, 0, 0, 0, 0])
_BROWSE_C_P = np.array([0.08, 0, 0.50, 0.15, 0.12, 0.15])
_BLOG_P = np.array([0, 1.0, 0, 0, 0, 0])

ACT_NONE, ACT_SIGNUP, ACT_DEMO, ACT_NEWS = 0, 1, 2, 3

# --------------------------------------------------------------------------------------------
# People, devices, geography
# --------------------------------------------------------------------------------------------
_FIRST = ("Anna", "Lukas", "Lena", "Jonas", "Mia", "Felix", "Sofia", "Paul", "Emma", "Leon",
          "Hannah", "Noah", "Clara", "Elias", "Marie", "Finn", "Laura", "Ben", "Julia", "Tim",
          "Sara", "David", "Nina", "Jan", "Eva", "Max", "Lea", "Tom", "Amira", "Mehmet", "Olivia",
          "James", "Chloe", "Lucas", "Ines", "Mateo", "Zoe", "Pieter", "Agnieszka", "Marco")
_LAST = ("Schmidt", "Mueller", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
         "Hoffmann", "Schulz", "Koch", "Richter", "Klein", "Wolf", "Neumann", "Schwarz", "Braun",
         "Zimmermann", "Hartmann", "Krueger", "Lange", "Werner", "Yilmaz", "Kaya", "Novak",
         "Jansen", "Smith", "Brown", "Martin", "Dubois", "Rossi", "Garcia", "Kowalski", "Berg",
         "Vogel", "Peters", "Frank", "Keller", "Huber", "Lehmann")
_DOMAINS = ("example.com", "example.org")
# country, city, region, continent, sub_continent, device language, zendesk locale, tz, weight
_GEO = (
    ("Germany", "Berlin", "Berlin", "Europe", "Western Europe", "de-de", "de", "Berlin", 0.14),
    ("Germany", "Munich", "Bavaria", "Europe", "Western Europe", "de-de", "de", "Berlin", 0.10),
    ("Germany", "Hamburg", "Hamburg", "Europe", "Western Europe", "de-de", "de", "Berlin", 0.08),
    ("Germany", "Cologne", "North Rhine-Westphalia", "Europe", "Western Europe", "de-de", "de",
     "Berlin", 0.06),
    ("Germany", "Frankfurt", "Hesse", "Europe", "Western Europe", "de-de", "de", "Berlin", 0.06),
    ("Germany", "Stuttgart", "Baden-Wurttemberg", "Europe", "Western Europe", "de-de", "de",
     "Berlin", 0.05),
    ("Germany", "Leipzig", "Saxony", "Europe", "Western Europe", "de-de", "de", "Berlin", 0.04),
    ("Austria", "Vienna", "Vienna", "Europe", "Western Europe", "de-at", "de", "Vienna", 0.07),
    ("Switzerland", "Zurich", "Zurich", "Europe", "Western Europe", "de-ch", "de", "Zurich", 0.05),
    ("Netherlands", "Amsterdam", "North Holland", "Europe", "Western Europe", "nl-nl", "nl",
     "Amsterdam", 0.06),
    ("France", "Paris", "Ile-de-France", "Europe", "Western Europe", "fr-fr", "fr", "Paris", 0.05),
    ("United Kingdom", "London", "England", "Europe", "Northern Europe", "en-gb", "en-GB",
     "London", 0.07),
    ("Spain", "Madrid", "Community of Madrid", "Europe", "Southern Europe", "es-es", "es",
     "Madrid", 0.04),
    ("Italy", "Milan", "Lombardy", "Europe", "Southern Europe", "it-it", "it", "Rome", 0.03),
    ("Poland", "Warsaw", "Masovian Voivodeship", "Europe", "Eastern Europe", "pl-pl", "pl",
     "Warsaw", 0.04),
    ("United States", "New York", "New York", "Americas", "Northern America", "en-us", "en-US",
     "New_York", 0.06),
)
_GEO_W = np.array([g[-1] for g in _GEO])
_GEO_W = _GEO_W / _GEO_W.sum()
# category, mobile_brand_name, operating_system, os_version, browser, browser_version, weight
_DEVICES = (
    ("desktop", "Microsoft", "Windows", "Windows 11", "Chrome", "126.0.6478.127", 0.26),
    ("desktop", "Microsoft", "Windows", "Windows 10", "Edge", "126.0.2592.87", 0.08),
    ("desktop", "Apple", "Macintosh", "Macintosh 14.5", "Safari", "17.5", 0.10),
    ("desktop", "Apple", "Macintosh", "Macintosh 14.5", "Chrome", "126.0.6478.127", 0.07),
    ("desktop", "Microsoft", "Windows", "Windows 11", "Firefox", "127.0", 0.04),
    ("desktop", "(not set)", "Linux", "(not set)", "Chrome", "126.0.6478.126", 0.02),
    ("mobile", "Apple", "iOS", "iOS 17.5.1", "Safari", "17.5", 0.20),
    ("mobile", "Samsung", "Android", "Android 14", "Samsung Internet", "25.0", 0.06),
    ("mobile", "Google", "Android", "Android 14", "Chrome", "126.0.6478.122", 0.11),
    ("mobile", "Xiaomi", "Android", "Android 13", "Chrome", "126.0.6478.122", 0.03),
    ("tablet", "Apple", "iOS", "iPadOS 17.5.1", "Safari", "17.5", 0.03),
)
_DEV_W = np.array([d[-1] for d in _DEVICES])
_DEV_W = _DEV_W / _DEV_W.sum()

# --------------------------------------------------------------------------------------------
# CRM / support / survey vocabularies
# --------------------------------------------------------------------------------------------
_LIFECYCLE = ("subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity",
              "customer", "evangelist")
LC_SUB, LC_LEAD, LC_MQL, LC_SQL, LC_OPP, LC_CUST, LC_EVAN = range(7)
_DEAL_STAGES = ("Appointment Scheduled", "Qualified To Buy", "Presentation Scheduled",
                "Decision Maker Bought-In", "Contract Sent", "Closed Won", "Closed Lost")
DS_WON, DS_LOST = 5, 6
_DEAL_OWNERS = ("Lena Fischer", "Tobias Brandt", "Aylin Demir", "Chris Olsen")
_DEAL_WHAT = ("Office fit-out", "Standing desks", "Chairs rollout", "Care plan renewal",
              "Showroom furniture", "Home office budget")
_COMPANY_SUFFIX = ("GmbH", "AG", "KG", "Ltd", "BV", "SAS")

# topic tag, subjects, ticket type
_TOPICS = (
    ("delivery", ("Where is my order?", "Delivery delayed", "Parcel not delivered"), "incident"),
    ("damage", ("Desk arrived damaged", "Missing screws in the package"), "problem"),
    ("billing", ("Invoice needed for my order", "Charged twice", "VAT ID on invoice"), "question"),
    ("login", ("Cannot log in to my account", "Password reset email not received"), "incident"),
    ("product", ("How do I calibrate the motor?", "Which frame fits my tabletop?",
                 "Chair height adjustment stuck"), "question"),
    ("cancellation", ("How do I cancel my care plan?", "Cancel subscription"), "task"),
    ("refund", ("Refund request", "Return label please"), "task"),
)
_TOPIC_P = np.array([
    [0.25, 0.12, 0.18, 0.12, 0.23, 0.04, 0.06],  # ordinary customers
    [0.12, 0.10, 0.10, 0.05, 0.08, 0.35, 0.20],  # churners
])
_TOPIC_SUBJ_N = np.array([len(t[1]) for t in _TOPICS])
_TOPIC_SUBJ_OFF = np.concatenate([[0], np.cumsum(_TOPIC_SUBJ_N)[:-1]])
_SUBJECTS = [s for t in _TOPICS for s in t[1]]
_VIA = ("email", "web", "chat", "voice", "api")
_VIA_P = np.array([0.45, 0.30, 0.15, 0.07, 0.03])
_PRIORITY = ("low", "normal", "high", "urgent", None)
_PRIORITY_P = np.array([0.25, 0.50, 0.18, 0.04, 0.03])
_OPEN_STATUS = ("open", "pending", "hold", "new")
_OPEN_STATUS_P = np.array([0.55, 0.25, 0.05, 0.15])
_RATING = ("good", "bad", "offered", "unoffered")
_AGENTS = (("Sven Support", "sven.support@example.org"),
           ("Maja Helpdesk", "maja.helpdesk@example.org"),
           ("Ola Service", "ola.service@example.org"))
AGENT_ID0 = 90001
ZENDESK = "https://example.zendesk.com/api/v2"

_COMMENTS = (
    # promoters
    ("Great desk, fast delivery and easy assembly.", "Love it! Best purchase for my home office.",
     "Excellent support, quick answers.", "Solid build quality - would recommend it to colleagues.",
     'The "whisper" motor really is quiet.'),
    # passives
    ("Good product, but delivery took a while.", "Fine overall. Assembly instructions, though, "
     "could be clearer.", "Decent, a bit pricey.", "Nice chair.\nArmrests wobble a bit, though."),
    # detractors
    ("Desk arrived damaged, replacement took 3 weeks.",
     "Support was slow.\nSecond ticket still open after 5 days.",
     "Too expensive for what you get, cancelled my care plan.",
     "Motor is noisy,\nand the app keeps disconnecting."),
)
_COMMENT_FLAT = [c for group in _COMMENTS for c in group] + [None]
_COMMENT_N = np.array([len(g) for g in _COMMENTS])
_COMMENT_OFF = np.concatenate([[0], np.cumsum(_COMMENT_N)[:-1]])
_NPS_P_OTHER = np.array([0.01, 0.01, 0.02, 0.03, 0.03, 0.06, 0.08, 0.16, 0.22, 0.20, 0.18])
_NPS_P_CHURN = np.array([0.10, 0.08, 0.12, 0.14, 0.14, 0.20, 0.22, 0, 0, 0, 0])

_CONTACT_COLUMNS = (
    "Record ID", "First Name", "Last Name", "Email", "Phone Number", "Create Date",
    "Lifecycle Stage", "Original Source", "Became a Lead Date",
    "Became a Marketing Qualified Lead Date", "Became a Sales Qualified Lead Date",
    "Became a Customer Date", "Last Marketing Email Open Date", "Web User ID",
)
_DATE_ENTERED = tuple(f'Date entered "{s} (Sales Pipeline)"' for s in _DEAL_STAGES)
_DEAL_COLUMNS = (
    "Record ID", "Deal Name", "Pipeline", "Deal Stage", "Amount", "Create Date", "Close Date",
    "Deal owner", "Associated Contact IDs", *_DATE_ENTERED,
)
HUBSPOT_FMT = "%Y-%m-%d %H:%M"
ISO_FMT = "%Y-%m-%dT%H:%M:%SZ"


# --------------------------------------------------------------------------------------------
# Small vectorised helpers
# --------------------------------------------------------------------------------------------
def _seg_cumsum(x: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Inclusive cumulative sum restarting at each segment; ``first`` = segment start per row."""
    cs = np.cumsum(x)
    return cs - cs[first] + x[first]


def _lognormal(rng: np.random.Generator, median: np.ndarray | float, sigma: np.ndarray | float,
               size: int) -> np.ndarray:
    """Right-skewed durations (most short, a few long) as seen in real inter-event times."""
    return np.asarray(median) * np.exp(np.asarray(sigma) * rng.standard_normal(size))


def _pick_pages(rng: np.random.Generator, probs: np.ndarray, size: int) -> np.ndarray:
    """Draw page ids from page-class probabilities (one row per draw, or one shared row)."""
    u = rng.random(size)
    cls = np.minimum((u[:, None] > np.cumsum(probs, axis=-1)).sum(axis=1), 5)
    blog = P_BLOG0 + rng.integers(len(_BLOG), size=size)
    prod = P_PROD0 + np.searchsorted(_PROD_CUM, rng.random(size), side="right")
    return np.where(cls == 1, blog, np.where(cls == 2, prod, _CLASS_FIXED[cls]))


def _take(vocab: list | tuple, idx: np.ndarray, dtype: pl.DataType = pl.String) -> pl.Series:
    """Gather strings from a small vocabulary; negative indexes become null."""
    s = pl.Series(list(vocab) + [None], dtype=dtype)
    return s.gather(np.where(idx < 0, len(vocab), idx))


def _fmt(col: str, fmt: str) -> pl.Expr:
    """µs-since-epoch column (negative = missing) as a formatted UTC string, else null."""
    c = pl.col(col)
    return pl.when(c >= 0).then(pl.from_epoch(c, time_unit="us").dt.strftime(fmt))


def _ns(x: np.ndarray) -> np.ndarray:
    """Float seconds to integer microseconds."""
    return np.round(np.asarray(x) * SECOND_US).astype(np.int64)


def _event_params(df: pl.DataFrame, specs: list[tuple[str, pl.Expr, dict[str, pl.Expr]]]
                  ) -> pl.Series:
    """GA4 ``event_params`` lists, built from a long (event, param) table and regrouped.

    ``concat_list`` over struct columns is very slow in polars, a sort + group_by is not.
    Each spec is (key, row mask, {"string_value"/"int_value"/"double_value": expr}).
    """
    typed = {"string_value": pl.String, "int_value": pl.String, "float_value": pl.Float64,
             "double_value": pl.Float64}
    ev = df.with_row_index("_ev")
    parts = [
        ev.filter(mask).select(
            pl.col("_ev"), pl.lit(k, pl.UInt8).alias("_k"), pl.lit(key).alias("key"),
            *[values.get(name, pl.lit(None, dtype)).cast(dtype).alias(name)
              for name, dtype in typed.items()])
        for k, (key, mask, values) in enumerate(specs)
    ]
    long = pl.concat(parts).sort("_ev", "_k")
    out = long.group_by("_ev", maintain_order=True).agg(
        pl.struct("key", pl.struct(*typed).alias("value")).alias("event_params"))
    if out.height != df.height:  # every event carries ga_session_id, so this cannot happen
        raise AssertionError("event without params")
    return out["event_params"]


# --------------------------------------------------------------------------------------------
# Persons -> sessions -> events (one chunk)
# --------------------------------------------------------------------------------------------
def _persons(rng: np.random.Generator, pid0: int, n: int) -> dict[str, np.ndarray]:
    """Per-person traits: channel, how far the journey goes and the flags that shape it."""
    ch = rng.choice(len(_CH_SHARE), size=n, p=_CH_SHARE)
    u = rng.random(n)
    stage = np.where(u < _CH_P_AWARE[ch], 0,
                     np.where(u < _CH_P_AWARE[ch] + _CH_P_CONSIDER[ch], 1, 2))
    conv = stage == 2
    b2b = conv & (rng.random(n) < 0.30)
    web = conv & ~b2b
    action = np.where(stage == 1, rng.choice(4, size=n, p=[0.35, 0.33, 0.18, 0.14]), ACT_NONE)
    churn = conv & (rng.random(n) < 0.15)
    loyal = web & ~churn & (rng.random(n) < 0.35)
    return {
        "pid": np.arange(pid0, pid0 + n, dtype=np.int64),
        "ch": ch,
        "stage": stage,
        "conv": conv,
        "b2b": b2b,
        "web": web,
        "churn": churn,
        "loyal": loyal,
        "news": (action == ACT_NEWS) | (web & (rng.random(n) < 0.2)),
        "demo": (action == ACT_DEMO) | b2b,
        "signup": (action == ACT_SIGNUP) | conv,
        "has_action": (action != ACT_NONE) | conv,
        "camp0": _CAMP_OFF[ch] + (rng.random(n) * _CAMP_N[ch]).astype(np.int64),
        # second device for some sessions after sign-up: ~20% of user ids end up with 2 cookies
        "two_dev": rng.random(n) < 0.4,
        "geo": rng.choice(len(_GEO), size=n, p=_GEO_W),
        "dev_prof": rng.choice(len(_DEVICES), size=2 * n, p=_DEV_W),
        "cookie": rng.integers(100_000_000, 2_147_483_647, size=2 * n),
        "method": rng.choice(2, size=n, p=[0.7, 0.3]),
        "first": rng.integers(len(_FIRST), size=n),
        "last": rng.integers(len(_LAST), size=n),
        "pattern": rng.choice(3, size=n, p=[0.6, 0.25, 0.15]),
        "domain": rng.choice(2, size=n, p=[0.7, 0.3]),
        # raw B2B deal durations (s): create delay, 5 stage durations, onboarding before sign-up
        "deal_d": np.column_stack([
            np.clip(_lognormal(rng, DAY_S, 0.6, n), 2 * 3600, 5 * DAY_S),
            *[np.clip(_lognormal(rng, 5 * DAY_S, 0.6, n), 6 * 3600, 30 * DAY_S) for _ in range(5)],
            np.clip(_lognormal(rng, 1.5 * DAY_S, 0.6, n), 2 * 3600, 7 * DAY_S),
        ]),
    }


def _journeys(rng: np.random.Generator, P: dict[str, np.ndarray], start_us: int,
              days: int) -> dict[str, np.ndarray]:
    """Build sessions and events for one chunk; returns flat event and per-person arrays."""
    n = len(P["pid"])
    stage, conv, b2b = P["stage"], P["conv"], P["b2b"]
    # ---- sessions per person and kind -------------------------------------------------
    counts = np.zeros((n, NK), np.int64)
    counts[:, K_AWARE] = np.minimum(rng.geometric(np.where(stage == 0, 0.62, 0.7)), 4)
    cons = rng.geometric(np.where(P["has_action"], 0.55, 0.5)) - P["has_action"]
    counts[:, K_CONSIDER] = np.where(stage >= 1, np.minimum(cons, 5), 0)
    counts[:, K_NEWS] = P["news"]
    counts[:, K_DEMO] = P["demo"]
    counts[:, K_SIGNUP] = P["signup"]
    counts[:, K_ABANDON] = (((stage == 1) & (rng.random(n) < 0.12))
                            | (P["web"] & (rng.random(n) < 0.25)))
    counts[:, K_PURCHASE] = P["web"]
    counts[:, K_ACCOUNT] = np.where(conv, np.minimum(rng.geometric(0.5, size=n) - 1 + b2b, 4), 0)
    counts[:, K_REPEAT] = np.where(P["loyal"], 1 + (rng.random(n) < 0.35), 0)
    counts[:, K_CANCEL] = P["churn"]
    flat = counts.ravel()
    s_person = np.repeat(np.repeat(np.arange(n), NK), flat)
    s_kind = np.repeat(np.tile(np.arange(NK), n), flat)
    group = np.where(s_kind == K_REPEAT, K_ACCOUNT, s_kind)  # account & repeat interleave
    order = np.lexsort((rng.random(len(s_kind)), group, s_person))
    s_person, s_kind = s_person[order], s_kind[order]
    S = len(s_kind)
    n_sess = counts.sum(axis=1)
    p_first = np.cumsum(n_sess) - n_sess
    s_first = p_first[s_person]
    s_ord = np.arange(S) - s_first

    sig_ord = np.full(n, 1 << 30)
    m = s_kind == K_SIGNUP
    sig_ord[s_person[m]] = s_ord[m]
    post = s_ord > sig_ord[s_person]
    dev2 = post & P["two_dev"][s_person] & (rng.random(S) < 0.5)
    first_dev = s_ord == 0
    i2 = np.flatnonzero(dev2)
    f2 = np.ones(len(i2), bool)
    f2[1:] = s_person[i2][1:] != s_person[i2][:-1]
    first_dev[i2[f2]] = True
    s_num = np.where(dev2, _seg_cumsum(dev2.astype(np.int64), s_first),
                     _seg_cumsum((~dev2).astype(np.int64), s_first))
    login = post & (first_dev | (rng.random(S) < 0.25))
    s_dev = 2 * s_person + dev2  # local device index

    u = rng.random(S)
    later = np.where(u < 0.45, CH_DIRECT, np.where(u < 0.70, P["ch"][s_person],
                                                   np.where(u < 0.85, CH_EMAIL, CH_ORGANIC)))
    s_ch = np.where(s_ord == 0, P["ch"][s_person], later)
    s_camp = np.where(s_ord == 0, P["camp0"][s_person],
                      _CAMP_OFF[s_ch] + (rng.random(S) * _CAMP_N[s_ch]).astype(np.int64))
    land = _pick_pages(rng, _LAND_P[s_kind], S)
    focus = P_PROD0 + np.searchsorted(_PROD_CUM, rng.random(S), side="right")
    focus = np.where(land >= P_PROD0, land, focus)
    k = np.clip(rng.geometric(_KP[s_kind]) - 1 + _KMIN[s_kind], 0, _KMAX[s_kind])
    checkout = rng.random(S) < 0.5
    qty = 1 + (rng.random(S) < 0.15)
    gclid = np.where(s_ch == CH_PAID_SEARCH, rng.integers(10**11, 10**12, size=S), -1)

    # ---- events: template grid, masked -----------------------------------------------
    tp = _TP[s_kind]
    page = np.where(tp >= 0, tp, 0)
    page = np.where(tp == S_LAND, land[:, None], page)
    page = np.where(tp == S_FOCUS, focus[:, None], page)
    for spec, probs in ((S_BROWSE_A, _BROWSE_A_P), (S_BROWSE_C, _BROWSE_C_P), (S_BLOG, _BLOG_P)):
        r, c = np.nonzero(tp == spec)
        page[r, c] = _pick_pages(rng, probs, len(r))
    for j in range(1, _TW):
        inh = tp[:, j] == S_INHERIT
        page[inh, j] = page[inh, j - 1]
    tc, tb = _TC[s_kind], _TB[s_kind]
    prev_prod = np.zeros_like(page, dtype=bool)
    prev_prod[:, 1:] = page[:, :-1] >= P_PROD0
    kk = k[:, None]
    keep = ((tc == C_ALWAYS) | ((tc == C_FIRST) & first_dev[:, None])
            | ((tc == C_LOGIN) & login[:, None]) | ((tc == C_BROWSE) & (tb < kk))
            | ((tc == C_VIEWITEM) & (tb < kk) & prev_prod)
            | ((tc == C_CHECKOUT) & checkout[:, None]))
    er, ec = np.nonzero(keep)
    del tp, tc, tb, keep, prev_prod
    e_page = page[er, ec]
    del page
    e_name = _TE[s_kind[er], ec]
    E = len(er)

    # ---- intra-session timing ----------------------------------------------------------
    first_ev = np.ones(E, bool)
    first_ev[1:] = er[1:] != er[:-1]
    prev_name = np.empty(E, np.int64)
    prev_name[0] = -1
    prev_name[1:] = e_name[:-1]
    g = _GAP[e_name].T.copy()
    landing = (e_name == E_PV) & (prev_name == E_SS)
    for row, val in enumerate(_GAP_LANDING):
        g[row] = np.where(landing, val, g[row])
    gap = np.clip(_lognormal(rng, g[0], g[1], E), g[2], g[3])
    gap_us = np.where(first_ev, 0, np.maximum(_ns(gap), 1))
    ev_first = np.flatnonzero(first_ev)
    offset = _seg_cumsum(gap_us, ev_first[np.cumsum(first_ev) - 1])
    last_ev = np.ones(E, bool)
    last_ev[:-1] = first_ev[1:]
    dur = offset[last_ev] / SECOND_US  # session duration (s), one per session

    # ---- schedule sessions inside the window --------------------------------------------
    med, sig = _SESSION_GAP[s_kind].T
    free = np.clip(_lognormal(rng, med * DAY_S, sig, S), 0, 45 * DAY_S)
    deal_gap = (s_kind == K_SIGNUP) & b2b[s_person]
    free[deal_gap] = P["deal_d"][s_person[deal_gap]].sum(axis=1)
    free[s_ord == 0] = 0
    fixed = np.zeros(S)
    fixed[1:] = dur[:-1] + 35 * 60  # previous session + > 30 min so GA4 would not merge them
    fixed[s_ord == 0] = 0
    window_s = days * DAY_S
    p_last = p_first + n_sess - 1
    target = 0.9 * window_s - dur[p_last]
    F = np.bincount(s_person, fixed, n)
    G = np.bincount(s_person, free, n)
    scale = np.clip((target - F) / np.maximum(G, 1.0), 0.0, 1.0)
    t_rel = _seg_cumsum(fixed + free * scale[s_person], s_first)
    span = t_rel[p_last] + dur[p_last]
    t0 = 60.0 + rng.random(n) * np.maximum(window_s - span - 3 * 3600, 0.0)
    s_start = start_us + _ns(t0[s_person] + t_rel)
    ts = s_start[er] + offset

    # ---- referrers, user ids, devices ------------------------------------------------------
    e_pv = np.flatnonzero(e_name == E_PV)
    ref = np.full(E, _REF_NONE)
    same = np.zeros(len(e_pv), bool)
    same[1:] = er[e_pv][1:] == er[e_pv][:-1]
    prev_page = np.empty(len(e_pv), np.int64)
    prev_page[0] = 0
    prev_page[1:] = e_page[e_pv][:-1]
    ref[e_pv] = np.where(same, prev_page, _REF_EXT0 + s_ch[er[e_pv]])
    ep = s_person[er]
    e_post = post[er]
    uid = P["signup"][ep] & (
        (e_post & ~(login[er] & (ec < LOGIN_SLOT)))
        | ((s_ord[er] == sig_ord[ep]) & (ec >= _SIGNUP_SLOT))
    )
    utm = (s_ch[er] != CH_DIRECT) & ((e_name == E_SS) | ((e_name == E_PV) & (ec == 2)))
    dev_first_ts = np.full(2 * n, -1, np.int64)
    dev_camp = np.full(2 * n, -1, np.int64)
    dev_first_ts[s_dev[first_dev]] = s_start[first_dev]
    dev_camp[s_dev[first_dev]] = s_camp[first_dev]
    e_dev = s_dev[er]
    is_pur = e_name == E_PUR
    e_value = np.where(np.isin(e_name, (E_ATC, E_BC, E_PUR)),
                       _PRICE[np.maximum(focus[er] - P_PROD0, 0)] * qty[er], np.nan)
    form = np.where(e_name == E_LEAD, np.where(s_kind[er] == K_DEMO, 0, 1), -1)
    method = np.where((e_name == E_SIGNUP) | (e_name == E_LOGIN), P["method"][ep], -1)

    # ---- per-person outcomes for the CRM side -------------------------------------------
    out_p: dict[str, np.ndarray] = {}
    for key, ev in (("t_signup", E_SIGNUP), ("t_lead", E_LEAD)):
        arr = np.full(n, -1, np.int64)
        msk = e_name == ev
        arr[ep[msk]] = ts[msk]
        out_p[key] = arr
    pur_p = ep[is_pur]
    t_purchase = np.full(n, -1, np.int64)
    uniq, first_i = np.unique(pur_p, return_index=True)
    t_purchase[uniq] = ts[is_pur][first_i]
    out_p["t_purchase"] = t_purchase
    # B2B deal clock: starts 35 min after the demo session, stretched by the journey scale.
    demo_s = np.flatnonzero(s_kind == K_DEMO)
    deal_base = np.full(n, -1, np.int64)
    deal_base[s_person[demo_s]] = s_start[demo_s] + _ns(dur[demo_s] + 35 * 60)
    out_p["deal_base"] = deal_base
    out_p["scale"] = scale

    return {
        "ts": ts, "name": e_name, "page": e_page, "ref": ref,
        "sid": s_start[er] // SECOND_US, "snum": s_num[er], "utm": utm, "camp": s_camp[er],
        "gclid": gclid[er], "cookie": P["cookie"][e_dev],
        "ft": dev_first_ts[e_dev], "prof": P["dev_prof"][e_dev], "tcamp": dev_camp[e_dev],
        "geo": P["geo"][ep], "uid": uid, "pid": P["pid"][ep], "value": e_value,
        "qty": qty[er], "form": form, "method": method, **out_p,
    }


def _ga4_frame(J: dict[str, np.ndarray], start_us: int, days: int, tx0: int) -> pl.DataFrame:
    """Assemble GA4 export rows (sorted by time) with polars nested columns."""
    o = np.argsort(J["ts"], kind="stable")
    g = {k: J[k][o] for k in ("ts", "name", "page", "ref", "sid", "snum", "utm", "camp", "gclid",
                               "cookie", "ft", "prof", "tcamp", "geo", "uid", "pid", "value", "qty",
                               "form", "method")}
    # transaction ids follow person order (stable within a chunk), not the time order
    tx_person_order = np.full(len(o), -1, np.int64)
    pur_sorted = np.flatnonzero(J["name"] == E_PUR)
    tx_person_order[pur_sorted] = tx0 + np.arange(1, len(pur_sorted) + 1)
    g["tx"] = tx_person_order[o]
    day = (g["ts"] - start_us) // DAY_US
    day_names = [(start_us // SECOND_US + d * 86_400) for d in range(days + 1)]
    day_str = [datetime.fromtimestamp(s, UTC).strftime("%Y%m%d") for s in day_names]
    geo = pl.DataFrame({
        "city": [x[1] for x in _GEO], "country": [x[0] for x in _GEO],
        "continent": [x[3] for x in _GEO], "region": [x[2] for x in _GEO],
        "sub_continent": [x[4] for x in _GEO],
    }).select(pl.struct(pl.all()).alias("geo")).to_series()
    dev = pl.DataFrame({
        "category": [d[0] for d in _DEVICES], "mobile_brand_name": [d[1] for d in _DEVICES],
        "operating_system": [d[2] for d in _DEVICES],
        "operating_system_version": [d[3] for d in _DEVICES],
        "browser": [d[4] for d in _DEVICES], "browser_version": [d[5] for d in _DEVICES],
    })
    lang = [x[5] for x in _GEO]
    ts_source = pl.DataFrame({"name": _CAMP_NAME, "medium": _CAMP_MEDIUM, "source": _CAMP_SOURCE}
                             ).select(pl.struct(pl.all()).alias("ts")).to_series()
    df = pl.DataFrame({
        "event_date": _take(day_str, day),
        "ts": g["ts"],
        "event_name": _take(_EVENTS, g["name"]),
        "page_location": _take(_PAGE_URL, g["page"]),
        "page_title": _take(_PAGE_TITLE, g["page"]),
        "page_referrer": _take(_REF_VOCAB, g["ref"]),
        "sid": g["sid"], "snum": g["snum"], "utm": g["utm"],
        "source": _take(_CAMP_SOURCE, g["camp"]), "medium": _take(_CAMP_MEDIUM, g["camp"]),
        "campaign": _take(_CAMP_NAME, g["camp"]), "gclid": g["gclid"],
        "cookie": g["cookie"], "ft": g["ft"], "uid": g["uid"], "pid": g["pid"] + 1,
        "value": pl.Series(g["value"]).fill_nan(None), "qty": g["qty"], "tx": g["tx"],
        "form": _take(("demo_request", "newsletter"), g["form"]),
        "method": _take(("email", "google"), g["method"]),
        "prof": g["prof"], "language": _take(lang, g["geo"]),
        "geo": geo.gather(g["geo"]), "traffic_source": ts_source.gather(g["tcamp"]),
    })
    del g
    has_value = pl.col("value").is_not_null()
    tx_str = pl.concat_str(pl.lit("T"), pl.col("tx").cast(pl.String).str.zfill(6))
    profile = pl.col("prof")
    device = pl.struct(
        pl.lit(pl.Series(dev["category"])).gather(profile).alias("category"),
        pl.lit(pl.Series(dev["mobile_brand_name"])).gather(profile).alias("mobile_brand_name"),
        pl.lit(pl.Series(dev["operating_system"])).gather(profile).alias("operating_system"),
        pl.lit(pl.Series(dev["operating_system_version"])).gather(profile)
        .alias("operating_system_version"),
        pl.col("language"),
        pl.struct(
            pl.lit(pl.Series(dev["browser"])).gather(profile).alias("browser"),
            pl.lit(pl.Series(dev["browser_version"])).gather(profile).alias("browser_version"),
            pl.lit("shop.example.com").alias("hostname"),
        ).alias("web_info"),
    )
    always = pl.lit(True)
    params = _event_params(df, [
        ("ga_session_id", always, {"int_value": pl.col("sid").cast(pl.String)}),
        ("ga_session_number", always, {"int_value": pl.col("snum").cast(pl.String)}),
        ("page_location", always, {"string_value": pl.col("page_location")}),
        ("page_referrer", pl.col("page_referrer").is_not_null(),
         {"string_value": pl.col("page_referrer")}),
        ("page_title", always, {"string_value": pl.col("page_title")}),
        ("source", pl.col("utm"), {"string_value": pl.col("source")}),
        ("medium", pl.col("utm"), {"string_value": pl.col("medium")}),
        ("campaign", pl.col("utm"), {"string_value": pl.col("campaign")}),
        ("form_name", pl.col("form").is_not_null(), {"string_value": pl.col("form")}),
        ("method", pl.col("method").is_not_null(), {"string_value": pl.col("method")}),
        ("value", has_value, {"double_value": pl.col("value")}),
        ("currency", has_value, {"string_value": pl.lit("EUR")}),
        ("transaction_id", pl.col("tx") >= 0, {"string_value": tx_str}),
    ])
    df = df.with_columns(params)
    ecommerce = pl.when(pl.col("tx") >= 0).then(pl.struct(
        pl.col("qty").cast(pl.String).alias("total_item_quantity"),
        (pl.col("value") * 1.08).round(2).alias("purchase_revenue_in_usd"),
        pl.col("value").alias("purchase_revenue"),
        (pl.col("value") - pl.col("value") / 1.19).round(2).alias("tax_value"),
        pl.lit("1").alias("unique_items"),
        tx_str.alias("transaction_id"),
    ))
    collected = pl.when(pl.col("utm")).then(pl.struct(
        pl.col("source").alias("manual_source"),
        pl.col("medium").alias("manual_medium"),
        pl.col("campaign").alias("manual_campaign_name"),
        pl.when(pl.col("gclid") >= 0)
        .then(pl.concat_str(pl.lit("Cj0KCQjw"), pl.col("gclid").cast(pl.String)))
        .alias("gclid"),
    ))
    return df.select(
        pl.col("event_date"),
        pl.col("ts").cast(pl.String).alias("event_timestamp"),
        pl.col("event_name"),
        pl.col("event_params"),
        pl.when(pl.col("uid"))
        .then(pl.concat_str(pl.lit("u_"), pl.col("pid").cast(pl.String).str.zfill(6)))
        .alias("user_id"),
        pl.concat_str(pl.col("cookie").cast(pl.String), pl.lit("."),
                      (pl.col("ft") // SECOND_US).cast(pl.String)).alias("user_pseudo_id"),
        pl.lit([], dtype=pl.List(pl.String)).alias("user_properties"),
        pl.col("ft").cast(pl.String).alias("user_first_touch_timestamp"),
        device.alias("device"),
        pl.col("geo"),
        pl.col("traffic_source"),
        pl.lit("4512367890").alias("stream_id"),
        pl.lit("WEB").alias("platform"),
        ecommerce.alias("ecommerce"),
        collected.alias("collected_traffic_source"),
    )


def _write_ga4(df: pl.DataFrame, ga4_dir: Path, start_us: int) -> None:
    """Append a time-sorted chunk to the per-day files (files are shared by all chunks)."""
    if df.height == 0:
        return
    ts = df["event_timestamp"].cast(pl.Int64).to_numpy()
    day = (ts - start_us) // DAY_US
    bounds = np.searchsorted(day, np.arange(day[0], day[-1] + 2))
    dates = df["event_date"]
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        if b > a:
            with open(ga4_dir / f"events_{dates[int(a)]}.ndjson", "ab") as fh:
                df.slice(int(a), int(b - a)).write_ndjson(fh)


# --------------------------------------------------------------------------------------------
# CRM, support and survey rows (one chunk, ids assigned globally later)
# --------------------------------------------------------------------------------------------
def _crm(rng: np.random.Generator, P: dict[str, np.ndarray], J: dict[str, np.ndarray],
         end_us: int) -> dict[str, pl.DataFrame]:
    """HubSpot contacts/deals, Zendesk tickets and NPS answers consistent with the web journeys."""
    n = len(P["pid"])
    conv, b2b, web, churn, loyal = P["conv"], P["b2b"], P["web"], P["churn"], P["loyal"]
    t_signup, t_lead, t_purchase = J["t_signup"], J["t_lead"], J["t_purchase"]
    limit = end_us - HOUR_US

    def lag(lo_min: float, hi_min: float, size: int = n) -> np.ndarray:
        return _ns(rng.uniform(lo_min * 60, hi_min * 60, size))

    def cap(t: np.ndarray) -> np.ndarray:
        return np.where((t >= 0) & (t < limit), t, -1)

    # ---- deals ------------------------------------------------------------------------------
    d = P["deal_d"]
    scale = np.where(b2b, J["scale"], 1.0)
    base = np.where(b2b, J["deal_base"], t_lead + lag(5, 120))
    cum = base[:, None] + _ns(np.cumsum(d[:, :6], axis=1) * scale[:, None])  # AS..CS, close
    has_deal = b2b | (P["demo"] & ~conv & (rng.random(n) < 0.6))
    lost = ~b2b & (rng.random(n) < 0.55)
    reached = np.where(b2b, 5, np.where(lost, rng.integers(1, 5, size=n),
                                        rng.integers(1, 6, size=n)))
    entered = np.full((n, 7), -1, np.int64)
    for i in range(5):
        skip = b2b & (i in (1, 3)) & (rng.random(n) < 0.1)
        entered[:, i] = np.where((i < reached) & ~skip, cap(cum[:, i]), -1)
    close_t = cap(cum[np.arange(n), np.minimum(reached, 5)])
    entered[:, DS_WON] = np.where(b2b, close_t, -1)
    entered[:, DS_LOST] = np.where(lost & ~b2b, close_t, -1)
    has_deal &= entered[:, 0] >= 0
    last_open = np.where(entered[:, :5] >= 0, np.arange(5), -1).max(axis=1)
    deal_stage = np.where(entered[:, DS_WON] >= 0, DS_WON,
                          np.where(entered[:, DS_LOST] >= 0, DS_LOST, last_open))
    closed = deal_stage >= DS_WON
    amount = np.round(_lognormal(rng, 6000.0, 0.8, n) * 100).astype(np.int64)
    won_t = entered[:, DS_WON]
    dm = np.flatnonzero(has_deal)
    deals = pl.DataFrame({
        "pid": P["pid"][dm], "create": entered[dm, 0], "stage": deal_stage[dm],
        "close": np.where(closed, np.maximum(entered[:, DS_WON], entered[:, DS_LOST]), -1)[dm],
        "amount_cents": amount[dm], "last": P["last"][dm],
        "suffix": rng.integers(len(_COMPANY_SUFFIX), size=n)[dm],
        "what": rng.integers(len(_DEAL_WHAT), size=n)[dm],
        "owner": rng.integers(len(_DEAL_OWNERS), size=n)[dm],
        "second_contact": (rng.random(n) < 0.1)[dm],
        **{f"e{i}": entered[dm, i] for i in range(7)},
    })

    # ---- NPS --------------------------------------------------------------------------------
    acq = np.where(b2b, won_t, t_purchase)
    nps_p = np.where(loyal, 0.6, np.where(churn, 0.35, 0.4))
    ans = cap(np.where(conv & (acq >= 0) & (rng.random(n) < nps_p),
                       acq + _ns(np.clip(_lognormal(rng, 18 * DAY_S, 0.6, n), DAY_S, 90 * DAY_S)),
                       -1))
    score_other = rng.choice(11, size=n, p=_NPS_P_OTHER)
    score = np.where(loyal, 9 + (rng.random(n) < 0.6),
                     np.where(churn, rng.choice(11, size=n, p=_NPS_P_CHURN), score_other))
    bucket = np.where(score >= 9, 0, np.where(score >= 7, 1, 2))
    comment = np.where(rng.random(n) < 0.35, len(_COMMENT_FLAT) - 1,
                       _COMMENT_OFF[bucket] + (rng.random(n) * _COMMENT_N[bucket]).astype(int))
    nm = np.flatnonzero(ans >= 0)
    nps = pl.DataFrame({"pid": P["pid"][nm], "answered": ans[nm], "score": score[nm],
                        "comment": comment[nm], "variant": rng.choice(
                            6, size=n, p=[0.78, 0.05, 0.02, 0.05, 0.05, 0.05])[nm]})
    evangelist = loyal & (ans >= 0) & (score >= 9)

    # ---- tickets ----------------------------------------------------------------------------
    t_p = np.where(churn, 0.6, np.where(b2b, 0.45, 0.32))
    n_t = np.where(conv & (rng.random(n) < t_p), np.minimum(rng.geometric(0.6, size=n), 4), 0)
    tk_person = np.repeat(np.arange(n), n_t)
    T = len(tk_person)
    tk_first = np.repeat(np.cumsum(n_t) - n_t, n_t)
    first_tk = np.arange(T) == tk_first
    gaps = np.where(first_tk, _lognormal(rng, 12 * DAY_S, 0.9, T),
                    _lognormal(rng, 15 * DAY_S, 0.8, T))
    created = acq[tk_person] + _ns(_seg_cumsum(np.clip(gaps, 3600, 80 * DAY_S), tk_first))
    keep_t = (acq[tk_person] >= 0) & (created < end_us - 2 * HOUR_US)
    tk_person, created = tk_person[keep_t], created[keep_t]
    T = len(tk_person)
    churn_t = churn[tk_person].astype(np.int64)
    u = rng.random(T)
    topic = np.minimum((u[:, None] > np.cumsum(_TOPIC_P[churn_t], axis=1)).sum(axis=1),
                       len(_TOPICS) - 1)
    subject = _TOPIC_SUBJ_OFF[topic] + (rng.random(T) * _TOPIC_SUBJ_N[topic]).astype(int)
    solved = created + _ns(np.clip(_lognormal(rng, 1.2 * DAY_S, 1.0, T), 1800, 20 * DAY_S))
    age_frac = rng.random(T)
    # 0 closed (solved + 4 days, Zendesk's auto-close), 1 solved, -1 still open
    status = np.where(solved + 4 * DAY_US < end_us, 0, np.where(solved < end_us, 1, -1))
    open_status = rng.choice(len(_OPEN_STATUS), size=T, p=_OPEN_STATUS_P)
    updated = np.where(status == 0, solved + 4 * DAY_US, np.where(
        status == 1, solved, created + (age_frac * 0.5 * (end_us - created)).astype(np.int64)))
    status_name = np.where(status == 0, 0, np.where(status == 1, 1, 2 + open_status))
    updated = np.where(status_name == 5, created, updated)  # "new": untouched
    r = rng.random(T)
    bad = np.where(churn[tk_person], 0.35, 0.12)
    rating = np.where(status >= 0, np.where(r < 0.45, 0, np.where(r < 0.45 + bad, 1, np.where(
        r < 0.9, 2, 3))), 3)
    tickets = pl.DataFrame({
        "pid": P["pid"][tk_person], "created": created, "updated": updated,
        "status": status_name, "topic": topic, "subject": subject, "rating": rating,
        "via": rng.choice(len(_VIA), size=T, p=_VIA_P),
        "priority": rng.choice(len(_PRIORITY), size=T, p=_PRIORITY_P),
        "agent": rng.integers(len(_AGENTS), size=T), "churn": churn[tk_person],
    })

    # ---- contacts ---------------------------------------------------------------------------
    contact = conv | (P["stage"] == 1) & (P["demo"] | P["news"])
    t_first = np.where(P["news"] | P["demo"], t_lead, t_signup)
    create = cap(t_first + lag(1, 10))
    lead_d = np.where(P["demo"] | (web & ~P["news"]), create,
                      np.where(web, cap(t_signup + lag(1, 10)), -1))
    mql = np.where(has_deal, create + ((entered[:, 0] - create) * rng.uniform(0.2, 0.8, n))
                   .astype(np.int64), np.where(P["demo"] & (rng.random(n) < 0.6), cap(
                       create + _ns(_lognormal(rng, DAY_S, 0.8, n))), -1))
    sql = np.where(has_deal, entered[:, 0], -1)
    customer = np.where(web, cap(t_purchase + lag(1, 30)), np.where(b2b, won_t, -1))
    lifecycle = np.select(
        [evangelist, conv, has_deal & (deal_stage < DS_WON), has_deal, mql >= 0, lead_d >= 0],
        [LC_EVAN, LC_CUST, LC_OPP, LC_SQL, LC_MQL, LC_LEAD], LC_SUB)
    opened = cap(np.where(rng.random(n) < 0.65,
                          create + _ns(_lognormal(rng, 8 * DAY_S, 1.0, n)), -1))
    cm = np.flatnonzero(contact & (create >= 0))
    phone = np.where(rng.random(n) < 0.6, rng.integers(1_000_000, 9_999_999, size=n), -1)
    mobile = rng.integers(50, 80, size=n)
    people = pl.DataFrame({
        "pid": P["pid"][cm], "first": P["first"][cm], "last": P["last"][cm],
        "pattern": P["pattern"][cm], "domain": P["domain"][cm], "geo": P["geo"][cm],
        "signed": P["signup"][cm], "ch": P["ch"][cm], "create": create[cm],
        "lifecycle": lifecycle[cm], "lead": lead_d[cm], "mql": mql[cm], "sql": sql[cm],
        "customer": customer[cm], "opened": opened[cm], "phone": phone[cm],
        "mobile": mobile[cm],
        "hs_variant": rng.choice(6, size=n, p=[0.70, 0.20, 0.04, 0.0, 0.0, 0.06])[cm],
        "zd_variant": rng.choice(6, size=n, p=[0.84, 0.04, 0.0, 0.04, 0.04, 0.04])[cm],
        "ext": (rng.random(n) < 0.7)[cm],
    })
    return {"people": people, "deals": deals, "tickets": tickets, "nps": nps}


# --------------------------------------------------------------------------------------------
# Global assembly and writers
# --------------------------------------------------------------------------------------------
def _email(variant: str) -> pl.Expr:
    """Email from name parts; variants differ only in case/whitespace (normalisation test)."""
    first_l = pl.lit(pl.Series([f.lower() for f in _FIRST])).gather(pl.col("first"))
    first_c = pl.lit(pl.Series(list(_FIRST))).gather(pl.col("first"))
    last_l = pl.lit(pl.Series([x.lower() for x in _LAST])).gather(pl.col("last"))
    last_c = pl.lit(pl.Series(list(_LAST))).gather(pl.col("last"))
    dom_l = pl.lit(pl.Series(list(_DOMAINS))).gather(pl.col("domain"))
    num = (pl.col("pid") + 1).cast(pl.String)

    def local(first: pl.Expr, last: pl.Expr) -> pl.Expr:
        pat = pl.col("pattern")
        return (pl.when(pat == 0).then(pl.concat_str(first, pl.lit("."), last, num))
                .when(pat == 1).then(pl.concat_str(first.str.slice(0, 1), last, num))
                .otherwise(pl.concat_str(first, pl.lit("_"), last, num)))

    canon = pl.concat_str(local(first_l, last_l), pl.lit("@"), dom_l)
    title = pl.concat_str(local(first_c, last_c), pl.lit("@"), dom_l.str.to_titlecase())
    v = pl.col(variant)
    return (pl.when(v == 1).then(title)
            .when(v == 2).then(pl.concat_str(canon, pl.lit(" ")))
            .when(v == 3).then(canon.str.to_uppercase())
            .when(v == 4).then(pl.concat_str(pl.lit(" "), canon))
            .when(v == 5).then(pl.concat_str(title, pl.lit(" ")))
            .otherwise(canon))


def _sequential_ids(rng: np.random.Generator, n: int, first: int, max_gap: int) -> np.ndarray:
    """Increasing ids with small gaps, like records deleted in the source system."""
    if n == 0:
        return np.zeros(0, np.int64)
    gaps = rng.integers(1, max_gap + 1, size=n)
    gaps[0] = 1
    return first - 1 + np.cumsum(gaps)


def _insert_lines(path: Path, inserts: list[tuple[int, bytes]], header: int = 0) -> None:
    """Insert raw lines after given (0-based, header-excluded) record positions."""
    lines = path.read_bytes().splitlines(keepends=True)
    for pos, line in sorted(inserts, key=lambda x: x[0], reverse=True):
        at = min(header + pos + 1, len(lines))
        lines.insert(at, line)
    path.write_bytes(b"".join(lines))


def _ga4_defects(ga4_dir: Path) -> None:
    """Inject the four GA4 defects into the middle day file, as extra lines."""
    files = sorted(ga4_dir.glob("events_*.ndjson"))
    if not files:
        return
    path = files[len(files) // 2]
    lines = path.read_bytes().splitlines(keepends=True)
    n = len(lines)
    pick = [min(n - 1, max(0, round(n * f))) for f in (0.2, 0.4, 0.6, 0.8)]
    ts_re = re.compile(rb'"event_timestamp":"\d+"')
    truncated = lines[pick[0]][: len(lines[pick[0]]) // 2].rstrip(b"\n") + b"\n"
    nan_line = ts_re.sub(b'"event_timestamp":"not-a-number"', lines[pick[1]], count=1)
    old = ts_re.sub(b'"event_timestamp":"929448000123456"', lines[pick[2]], count=1)
    old = re.sub(rb'"event_date":"\d{8}"', b'"event_date":"19990615"', old, count=1)
    _insert_lines(path, [(pick[0], truncated), (pick[1], nan_line), (pick[2], old),
                         (pick[3], lines[pick[3]])])


def _write_hubspot(rng: np.random.Generator, people: pl.DataFrame, deals: pl.DataFrame,
                   out: Path, defects: bool) -> dict[str, int]:
    """contacts.csv and deals.csv with HubSpot export headers and date format."""
    contacts = people.select(
        pl.col("record_id").cast(pl.String).alias("Record ID"),
        pl.lit(pl.Series(list(_FIRST))).gather(pl.col("first")).alias("First Name"),
        pl.lit(pl.Series(list(_LAST))).gather(pl.col("last")).alias("Last Name"),
        pl.col("hs_email").alias("Email"),
        pl.when(pl.col("phone") >= 0).then(pl.concat_str(
            pl.lit("+49 1"), pl.col("mobile").cast(pl.String), pl.lit(" "),
            pl.col("phone").cast(pl.String))).alias("Phone Number"),
        _fmt("create", HUBSPOT_FMT).alias("Create Date"),
        pl.lit(pl.Series(list(_LIFECYCLE))).gather(pl.col("lifecycle")).alias("Lifecycle Stage"),
        pl.lit(pl.Series(list(_CH_HUBSPOT))).gather(pl.col("ch")).alias("Original Source"),
        _fmt("lead", HUBSPOT_FMT).alias("Became a Lead Date"),
        _fmt("mql", HUBSPOT_FMT).alias("Became a Marketing Qualified Lead Date"),
        _fmt("sql", HUBSPOT_FMT).alias("Became a Sales Qualified Lead Date"),
        _fmt("customer", HUBSPOT_FMT).alias("Became a Customer Date"),
        _fmt("opened", HUBSPOT_FMT).alias("Last Marketing Email Open Date"),
        pl.when(pl.col("signed")).then(pl.concat_str(
            pl.lit("u_"), (pl.col("pid") + 1).cast(pl.String).str.zfill(6))).alias("Web User ID"),
    )
    deals = deals.sort("create", "pid").join(
        people.select("pid", "record_id"), on="pid", how="left", maintain_order="left")
    others = people["record_id"].to_numpy()
    second = others[rng.integers(len(others), size=deals.height)] if len(others) else None
    deals = deals.with_columns(
        pl.Series("deal_id", _sequential_ids(rng, deals.height, 9001, 4)),
        pl.Series("other_id", second if second is not None else [], dtype=pl.Int64),
    )
    cents = pl.col("amount_cents")
    deal_rows = deals.select(
        pl.col("deal_id").cast(pl.String).alias("Record ID"),
        pl.concat_str(pl.lit(pl.Series(list(_LAST))).gather(pl.col("last")), pl.lit(" "),
                      pl.lit(pl.Series(list(_COMPANY_SUFFIX))).gather(pl.col("suffix")),
                      pl.lit(" - "),
                      pl.lit(pl.Series(list(_DEAL_WHAT))).gather(pl.col("what"))
                      ).alias("Deal Name"),
        pl.lit("Sales Pipeline").alias("Pipeline"),
        pl.lit(pl.Series(list(_DEAL_STAGES))).gather(pl.col("stage")).alias("Deal Stage"),
        pl.concat_str((cents // 100).cast(pl.String), pl.lit("."),
                      (cents % 100).cast(pl.String).str.zfill(2)).alias("Amount"),
        _fmt("create", HUBSPOT_FMT).alias("Create Date"),
        _fmt("close", HUBSPOT_FMT).alias("Close Date"),
        pl.lit(pl.Series(list(_DEAL_OWNERS))).gather(pl.col("owner")).alias("Deal owner"),
        pl.when(pl.col("second_contact") & (pl.col("other_id") != pl.col("record_id")))
        .then(pl.concat_str(pl.col("record_id").cast(pl.String), pl.lit(";"),
                            pl.col("other_id").cast(pl.String)))
        .otherwise(pl.col("record_id").cast(pl.String)).alias("Associated Contact IDs"),
        *[_fmt(f"e{i}", HUBSPOT_FMT).alias(col) for i, col in enumerate(_DATE_ENTERED)],
    )
    inserts: list[tuple[int, bytes]] = []
    if defects:
        next_id = int(people["record_id"].max() or 5100) + 7
        mid = people.height // 2
        template = contacts.slice(mid, 1) if contacts.height else None
        bad_date = pl.DataFrame([{c: None for c in _CONTACT_COLUMNS}], schema=contacts.schema)
        bad_date = bad_date.with_columns(
            pl.lit(str(next_id)).alias("Record ID"), pl.lit("Greta").alias("First Name"),
            pl.lit("Import").alias("Last Name"),
            pl.lit("greta.import@example.org").alias("Email"),
            pl.lit("31.02.2026 10:00").alias("Create Date"),
            pl.lit("lead").alias("Lifecycle Stage"),
            pl.lit("Offline Sources").alias("Original Source"))
        contacts = pl.concat([contacts.slice(0, mid), bad_date, contacts.slice(mid)])
        extra = (template if template is not None else bad_date).with_columns(
            pl.lit(str(next_id + 3)).alias("Record ID"), pl.lit("Karl").alias("First Name"),
            pl.lit("Spalte").alias("Last Name"), pl.lit("karl.spalte@example.org").alias("Email"))
        line = extra.write_csv(include_header=False).rstrip("\n") + ",Berlin office\n"
        inserts.append((max(contacts.height // 4, 0), line.encode()))
        amount_na = deal_rows.head(1).with_columns(
            pl.lit(str(int(deals["deal_id"].max() or 9000) + 5)).alias("Record ID"),
            pl.lit("Amount n/a").alias("Deal Name"), pl.lit("n/a").alias("Amount"),
            pl.lit("Appointment Scheduled").alias("Deal Stage"),
            *[pl.lit(None, pl.String).alias(c) for c in ("Close Date", *_DATE_ENTERED[1:])],
            pl.col("Create Date").alias(_DATE_ENTERED[0])) if deal_rows.height else pl.DataFrame(
            [{c: None for c in _DEAL_COLUMNS}], schema={c: pl.String for c in _DEAL_COLUMNS}
        ).with_columns(pl.lit("9001").alias("Record ID"), pl.lit("n/a").alias("Amount"),
                       pl.lit("2026-06-10 09:00").alias("Create Date"))
        half = deal_rows.height // 2
        deal_rows = pl.concat([deal_rows.slice(0, half), amount_na, deal_rows.slice(half)])
    contacts.write_csv(out / "contacts.csv")
    if inserts:
        _insert_lines(out / "contacts.csv", inserts, header=1)
    deal_rows.write_csv(out / "deals.csv")
    return {"hubspot_contacts": contacts.height + len(inserts),
            "hubspot_deals": deal_rows.height}


def _write_zendesk(rng: np.random.Generator, people: pl.DataFrame, tickets: pl.DataFrame,
                   out: Path, start_us: int, defects: bool) -> dict[str, int]:
    """tickets.json and users.json shaped like the Zendesk list-endpoint bodies."""
    users = (tickets.group_by("pid").agg(pl.col("created").min(), pl.col("updated").max())
             .sort("created", "pid"))
    users = users.with_columns(
        pl.Series("user_id", _sequential_ids(rng, users.height, AGENT_ID0 + 10, 5)))
    users = users.join(people, on="pid", how="left", maintain_order="left")
    tickets = (tickets.sort("created", "pid")
               .with_columns(pl.Series("id", _sequential_ids(rng, tickets.height, 35436, 2)))
               .join(users.select("pid", "user_id"), on="pid", how="left", maintain_order="left"))
    geo_locale = pl.lit(pl.Series([g[6] for g in _GEO])).gather(pl.col("geo"))
    geo_tz = pl.lit(pl.Series([g[7] for g in _GEO])).gather(pl.col("geo"))
    user_rows = users.select(
        pl.col("user_id").alias("id"),
        pl.concat_str(pl.lit(f"{ZENDESK}/users/"), pl.col("user_id").cast(pl.String),
                      pl.lit(".json")).alias("url"),
        pl.concat_str(pl.lit(pl.Series(list(_FIRST))).gather(pl.col("first")), pl.lit(" "),
                      pl.lit(pl.Series(list(_LAST))).gather(pl.col("last"))).alias("name"),
        pl.col("zd_email").alias("email"),
        _fmt("created", ISO_FMT).alias("created_at"),
        _fmt("updated", ISO_FMT).alias("updated_at"),
        geo_tz.alias("time_zone"),
        geo_locale.alias("locale"),
        pl.lit(None, pl.String).alias("phone"),
        pl.lit(None, pl.Int64).alias("organization_id"),
        pl.lit("end-user").alias("role"),
        pl.lit(True).alias("verified"),
        pl.when(pl.col("ext") & pl.col("signed")).then(pl.concat_str(
            pl.lit("u_"), (pl.col("pid") + 1).cast(pl.String).str.zfill(6))).alias("external_id"),
        pl.lit([], dtype=pl.List(pl.String)).alias("tags"),
        pl.lit(True).alias("active"),
        pl.lit(False).alias("suspended"),
        _fmt("updated", ISO_FMT).alias("last_login_at"),
    )
    agent_t = start_us + 5 * MINUTE_US
    agents = pl.DataFrame({
        "id": [AGENT_ID0 + i for i in range(len(_AGENTS))],
        "name": [a[0] for a in _AGENTS], "email": [a[1] for a in _AGENTS],
        "created": [agent_t] * len(_AGENTS),
    }).select(
        pl.col("id"),
        pl.concat_str(pl.lit(f"{ZENDESK}/users/"), pl.col("id").cast(pl.String),
                      pl.lit(".json")).alias("url"),
        "name", "email",
        _fmt("created", ISO_FMT).alias("created_at"), _fmt("created", ISO_FMT).alias("updated_at"),
        pl.lit("Berlin").alias("time_zone"), pl.lit("en-US").alias("locale"),
        pl.lit(None, pl.String).alias("phone"), pl.lit(None, pl.Int64).alias("organization_id"),
        pl.lit("agent").alias("role"), pl.lit(True).alias("verified"),
        pl.lit(None, pl.String).alias("external_id"),
        pl.lit([], dtype=pl.List(pl.String)).alias("tags"), pl.lit(True).alias("active"),
        pl.lit(False).alias("suspended"), _fmt("created", ISO_FMT).alias("last_login_at"),
    )
    user_rows = pl.concat([agents, user_rows])
    status_names = ("closed", "solved", *_OPEN_STATUS)
    subject = pl.lit(pl.Series(_SUBJECTS)).gather(pl.col("subject"))
    ticket_rows = tickets.select(
        pl.concat_str(pl.lit(f"{ZENDESK}/tickets/"), pl.col("id").cast(pl.String),
                      pl.lit(".json")).alias("url"),
        pl.col("id"),
        pl.lit(None, pl.String).alias("external_id"),
        pl.struct(pl.lit(pl.Series(list(_VIA))).gather(pl.col("via")).alias("channel"),
                  pl.struct(pl.lit(None, pl.String).alias("rel")).alias("source")).alias("via"),
        _fmt("created", ISO_FMT).alias("created_at"),
        _fmt("updated", ISO_FMT).alias("updated_at"),
        pl.lit(pl.Series([t[2] for t in _TOPICS])).gather(pl.col("topic")).alias("type"),
        subject.alias("subject"),
        subject.alias("raw_subject"),
        pl.concat_str(pl.lit("Hello, "), subject, pl.lit(" Thanks in advance."))
        .alias("description"),
        pl.lit(pl.Series(list(_PRIORITY), dtype=pl.String)).gather(pl.col("priority"))
        .alias("priority"),
        pl.lit(pl.Series(list(status_names))).gather(pl.col("status")).alias("status"),
        pl.lit("support@example.com").alias("recipient"),
        pl.col("user_id").alias("requester_id"),
        pl.col("user_id").alias("submitter_id"),
        pl.when(pl.col("status") != 5).then(AGENT_ID0 + pl.col("agent")).alias("assignee_id"),
        pl.lit(None, pl.Int64).alias("organization_id"),
        pl.lit(360_000_111).alias("group_id"),
        pl.lit([], dtype=pl.List(pl.Int64)).alias("collaborator_ids"),
        pl.lit(None, pl.Int64).alias("problem_id"),
        pl.lit(False).alias("has_incidents"),
        pl.lit(True).alias("is_public"),
        pl.lit(None, pl.String).alias("due_at"),
        pl.concat_list(pl.lit(pl.Series([t[0] for t in _TOPICS])).gather(pl.col("topic")),
                       pl.when(pl.col("churn")).then(pl.lit("churn_risk")).otherwise(
                           pl.lit("customer"))).alias("tags"),
        pl.struct(pl.lit(pl.Series(list(_RATING))).gather(pl.col("rating")).alias("score"))
        .alias("satisfaction_rating"),
        pl.lit(360_000_222).alias("brand_id"),
        pl.lit(True).alias("allow_attachments"),
    )
    ticket_list = ticket_rows.to_dicts()
    if defects:
        base = ticket_list[len(ticket_list) // 2] if ticket_list else {
            "url": None, "id": 35435, "requester_id": AGENT_ID0 + 10, "status": "new"}
        bad = dict(base)
        bad_id = int(tickets["id"].max() or 35435) + 1
        bad.update(id=bad_id, url=f"{ZENDESK}/tickets/{bad_id}.json", created_at=None,
                   status="new", satisfaction_rating={"score": "unoffered"})
        ticket_list.insert(len(ticket_list) // 2 + 1, bad)
    user_list = user_rows.to_dicts()
    for name, key, rows in (("tickets.json", "tickets", ticket_list),
                            ("users.json", "users", user_list)):
        body = {key: rows, "next_page": None, "previous_page": None, "count": len(rows)}
        (out / name).write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n",
                                encoding="utf-8")
    return {"zendesk_tickets": len(ticket_list), "zendesk_users": len(user_list)}


def _write_nps(people: pl.DataFrame, nps: pl.DataFrame, out: Path, defects: bool) -> int:
    """nps.csv: one answer per row, email only (no user id), comments with commas/newlines."""
    nps = nps.sort("answered", "pid").join(
        people.select("pid", "first", "last", "pattern", "domain"), on="pid", how="left",
        maintain_order="left")
    rows = nps.select(
        pl.concat_str(pl.lit("r_"), pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(6))
        .alias("response_id"),
        _email("variant").alias("email"),
        pl.col("score").cast(pl.Int64),
        pl.lit(pl.Series(_COMMENT_FLAT, dtype=pl.String)).gather(pl.col("comment"))
        .alias("comment"),
        _fmt("answered", ISO_FMT).alias("answered_at"),
    )
    if rows.height and not rows["comment"].str.contains("\n").any():
        # guarantee the quoted-newline case the loaders must handle, even for tiny samples
        rows = rows.with_columns(pl.when(pl.int_range(pl.len()) == 0)
                                 .then(pl.lit("Support was slow.\nSecond ticket still open."))
                                 .otherwise(pl.col("comment")).alias("comment"))
    if defects and rows.height:
        mid = rows.height // 2
        eleven = rows.slice(mid, 1).with_columns(
            pl.lit(f"r_{rows.height + 1:06d}").alias("response_id"),
            pl.lit(11, pl.Int64).alias("score"),
            pl.lit("Would give 11 if I could!").alias("comment"))
        order = np.insert(np.arange(rows.height), mid, rows.height)  # score 11 before row `mid`
        dup_at = rows.height // 3
        order = np.insert(order, dup_at + 1, order[dup_at])  # exact copy right after itself
        rows = pl.concat([rows, eleven])[order]
    rows.write_csv(out / "nps.csv")
    return rows.height


def write_core_exports(out_dir: Path, persons: int, seed: int, start_us: int, days: int,
                       defects: bool) -> tuple[dict[str, int], pl.DataFrame, pl.DataFrame]:
    """ga4/, hubspot/, zendesk/ and surveys/ under out_dir; return (rows written per file kind, the
    persons, their HubSpot deals), from which the other writers derive their sources."""
    dirs = {k: out_dir / k for k in ("ga4", "hubspot", "zendesk", "surveys")}
    for p in dirs.values():
        p.mkdir(parents=True, exist_ok=True)

    n_events = 0
    tx = 0
    parts: dict[str, list[pl.DataFrame]] = {"people": [], "deals": [], "tickets": [], "nps": []}
    for ci, lo in enumerate(range(0, persons, CHUNK_PERSONS)):
        rng = np.random.default_rng([seed, ci])
        P = _persons(rng, lo, min(CHUNK_PERSONS, persons - lo))
        J = _journeys(rng, P, start_us, days)
        frame = _ga4_frame(J, start_us, days, tx)
        tx += int((J["name"] == E_PUR).sum())
        _write_ga4(frame, dirs["ga4"], start_us)
        n_events += frame.height
        del frame
        for key, df in _crm(rng, P, J, start_us + days * DAY_US).items():
            parts[key].append(df)
        del J, P

    rng = np.random.default_rng([seed, 1 << 40])
    people = pl.concat(parts["people"]).sort("create", "pid")
    people = people.with_columns(
        pl.Series("record_id", _sequential_ids(rng, people.height, 5101, 3)),
        _email("hs_variant").alias("hs_email"),
        _email("zd_variant").alias("zd_email"),
    )
    deals = pl.concat(parts["deals"])
    counts = {
        "ga4_events": n_events,
        **_write_hubspot(rng, people, deals, dirs["hubspot"], defects),
        **_write_zendesk(rng, people, pl.concat(parts["tickets"]), dirs["zendesk"], start_us,
                         defects),
        "survey_nps": _write_nps(people, pl.concat(parts["nps"]), dirs["surveys"], defects),
    }
    if defects and n_events:
        _ga4_defects(dirs["ga4"])
        counts["ga4_events"] += CORE_DEFECT_ROWS["ga4_events"]
    return counts, people, deals
