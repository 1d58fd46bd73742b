"""Synthetic shop and ad-spend exports: a Shopify orders export and a Google Ads campaign report,
for the persons ``journeyflow.generate`` already made (see docs/sources.md).

Story: the online purchases are in GA4; some customers come back to the shop's store and buy at
the till (Shopify POS, the export's Source `pos`): a repeat purchase in the store, now and then
partly refunded. The Google Ads account pays for the sample's paid-search and display campaigns
(the `utm_campaign` values of the GA4 sessions) every day, in EUR. Own RNG stream
``default_rng([seed, 2 << 40, 5])``: every file ``generate`` wrote before stays byte-identical.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

from journeyflow.generate.core import DAY_US, HOUR_US, _lognormal, _ns

__all__ = ["SHOP_DEFECTS", "SHOP_DEFECT_ROWS", "SHOPIFY_HEADER", "WOOCOMMERCE_HEADER", "write_shop_exports"]

SHOP_DEFECTS: dict[str, str] = {
    "shopify_order_without_email": "Shopify: one order row without Email",
    "google_ads_cost_not_a_number": 'Google Ads: one row with Cost "n/a"',
    "google_ads_total_row": "Google Ads: the report's Total: Account row (as the UI writes it)",
}
"""Injected defects of these exports; every one is exactly one extra record."""

SHOP_DEFECT_ROWS: dict[str, int] = {"shopify_orders": 1, "google_ads_campaigns": 2,
                                    "meta_ads_campaigns": 0}
"""Extra records per file kind of the default formats (``shop_format="woocommerce"`` writes
``woocommerce_orders`` instead of ``shopify_orders``, with 1 too: an order without customer_email
and billing_email, the Shopify defect's equivalent; ``linkedin_ads_campaigns`` has none)."""
SHOP_FORMATS = ("shopify", "woocommerce")

# Shopify's orders export columns (Orders > Export), in Shopify's order; those the sample leaves
# empty (addresses, phones, notes) are kept so the file has the export's shape
SHOPIFY_HEADER = (
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at",
    "Accepts Marketing", "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code",
    "Discount Amount", "Shipping Method", "Created at", "Lineitem quantity", "Lineitem name",
    "Lineitem price", "Lineitem compare at price", "Lineitem sku", "Lineitem requires shipping",
    "Lineitem taxable", "Lineitem fulfillment status", "Billing Name", "Notes", "Cancelled at",
    "Payment Method", "Refunded Amount", "Vendor", "Outstanding Balance", "Id", "Tags",
    "Risk Level", "Source",
)
# The WooCommerce order export's column keys (WebToffee's "Order / Coupon / Subscription Export
# Import", one row per order, line items in line_item_N columns as name:…|quantity:…|total:…);
# docs/sources.md "WooCommerce orders"
WOOCOMMERCE_HEADER = (
    "order_id", "order_number", "order_date", "paid_date", "status", "shipping_total", "tax_total",
    "discount_total", "order_total", "refunded_total", "order_currency", "payment_method",
    "payment_method_title", "customer_email", "billing_first_name", "billing_last_name",
    "billing_email", "completed_date", "line_item_1", "line_item_2",
)
_PRODUCTS = (("Desk lamp", 49.0), ("Monitor arm", 89.0), ("Cable tray", 19.0), ("Desk mat", 29.0),
             ("Footrest", 39.0))
# Google Ads campaigns of the sample's GA4 sessions: (name, type, mean daily cost in EUR)
_CAMPAIGNS = (("brand_search", "Search", 18.0), ("spring_sale", "Search", 35.0),
              ("generic_desks", "Search", 42.0), ("gdn_prospecting", "Display", 25.0),
              ("gdn_remarketing", "Display", 12.0))
# LinkedIn Campaign Manager campaigns: (name, id, mean daily spend in EUR); webinar_series is the
# campaign of the LinkedIn Lead Gen Form leads (social.py)
_LINKEDIN_CAMPAIGNS = (("webinar_series", "5001", 55.0), ("cfo_thought_leadership", "5002", 20.0))
LINKEDIN_ADS_HEADER = (
    "Start Date (in UTC)", "Account Name", "Campaign Group Name", "Campaign Name", "Campaign ID",
    "Campaign Status", "Currency", "Total Spent", "Impressions", "Clicks",
)
# Meta Ads campaigns of the sample's paid-social sessions
_META_CAMPAIGNS = (("summer_reels", 30.0), ("retargeting_q3", 15.0))
STORE_SHARE = 0.4  # customers who also buy in the store
REFUND_SHARE = 0.2  # store orders partly refunded


def write_shop_exports(out_dir: Path, people: pl.DataFrame, seed: int, start_us: int, end_us: int,
                       defects: bool, shop_format: str = "shopify", linkedin_ads: bool = False
                       ) -> dict[str, int]:
    """Write shopify/orders_export_1.csv (``shop_format="woocommerce"``: the same orders as
    woocommerce/orders_export.csv), google_ads/campaign_report.csv, meta_ads/campaigns_by_day.csv
    and, with ``linkedin_ads``, linkedin_ads/campaign_performance_report.csv (on a stream of its
    own: the other files stay the same); return records written per file kind (with defects)."""
    if shop_format not in SHOP_FORMATS:
        raise ValueError(f"shop_format must be shopify or woocommerce, got {shop_format!r}")
    rng = np.random.default_rng([seed, 2 << 40, 5])
    orders = _store_orders(rng, people, end_us)
    if shop_format == "woocommerce":
        orders_written = {"woocommerce_orders": _write_woocommerce(orders, Path(out_dir) / "woocommerce",
                                                                   defects)}
    else:
        orders_written = {"shopify_orders": _write_orders(orders, Path(out_dir) / "shopify", defects)}
    if linkedin_ads:
        li_rng = np.random.default_rng([seed, 2 << 40, 5, 1])
        orders_written["linkedin_ads_campaigns"] = _write_linkedin_ads(li_rng, Path(out_dir) / "linkedin_ads",
                                                                       start_us, end_us)
    return {**orders_written,
            "google_ads_campaigns": _write_google_ads(rng, Path(out_dir) / "google_ads", start_us,
                                                      end_us, defects),
            "meta_ads_campaigns": _write_meta_ads(rng, Path(out_dir) / "meta_ads", start_us, end_us)}


def _shopify_time(us: int) -> str:
    return datetime.fromtimestamp(us / 1e6, UTC).strftime("%Y-%m-%d %H:%M:%S +0000")


def _store_orders(rng: np.random.Generator, people: pl.DataFrame, end_us: int) -> list[dict]:
    """The store orders of the returning customers: number, email, time, items, total, refund."""
    customers = people.filter(pl.col("customer") >= 0).sort("customer", "pid")
    n = customers.height
    returns = rng.random(n) < STORE_SHARE
    later = customers["customer"].to_numpy() + _ns(_lognormal(rng, 20 * 86_400.0, 0.6, n))
    store = customers.with_columns(pl.Series("at", later)).filter(
        pl.Series(returns) & (pl.col("at") < end_us)).sort("at", "pid")
    orders = []
    for number, (email, at) in enumerate(zip(store["hs_email"], store["at"], strict=True), 1001):
        items = rng.choice(len(_PRODUCTS), size=int(rng.integers(1, 3)), replace=False)
        qty = rng.integers(1, 3, size=len(items))
        total = float(sum(_PRODUCTS[i][1] * q for i, q in zip(items, qty, strict=True)))
        refunded = round(_PRODUCTS[items[0]][1], 2) if rng.random() < REFUND_SHARE else 0.0
        orders.append({"number": number, "email": email, "at": int(at), "items": items, "qty": qty,
                       "total": total, "refunded": refunded})
    return orders


def _write_orders(orders: list[dict], out: Path, defects: bool) -> int:
    """Shopify's orders export: one row per line item, the order's own fields on its first row."""
    rows: list[list[str]] = []
    for order in orders:
        number, email, at, items, qty = (order[k] for k in ("number", "email", "at", "items", "qty"))
        total, refunded = order["total"], order["refunded"]
        for k, (i, q) in enumerate(zip(items, qty, strict=True)):
            row = dict.fromkeys(SHOPIFY_HEADER, "")
            row.update({"Name": f"#{number}", "Email": email, "Created at": _shopify_time(int(at)),
                        "Lineitem quantity": str(q), "Lineitem name": _PRODUCTS[i][0],
                        "Lineitem price": f"{_PRODUCTS[i][1]:.2f}", "Lineitem sku": f"SKU-{i + 1:03d}",
                        "Lineitem requires shipping": "false", "Lineitem taxable": "true",
                        "Lineitem fulfillment status": "fulfilled"})
            if k == 0:  # the order's own fields: first row only, as Shopify writes them
                row.update({
                    "Financial Status": "partially_refunded" if refunded else "paid",
                    "Paid at": _shopify_time(int(at)), "Fulfillment Status": "fulfilled",
                    "Fulfilled at": _shopify_time(int(at)), "Accepts Marketing": "no",
                    "Currency": "EUR", "Subtotal": f"{total:.2f}", "Shipping": "0.00",
                    "Taxes": f"{total * 19 / 119:.2f}", "Total": f"{total:.2f}",
                    "Discount Amount": "0.00", "Payment Method": "Shopify Payments",
                    "Refunded Amount": f"{refunded:.2f}", "Outstanding Balance": "0.00",
                    "Id": str(5_000_000 + number), "Risk Level": "Low", "Source": "pos",
                })
            rows.append([row[c] for c in SHOPIFY_HEADER])
    if defects and rows:
        bad = list(rows[0])
        bad[0], bad[1] = "#999", ""  # an order row without Email (a walk-in: no customer)
        rows.append(bad)
    out.mkdir(parents=True, exist_ok=True)
    with (out / "orders_export_1.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(SHOPIFY_HEADER)
        writer.writerows(rows)
    return len(rows)


def _woocommerce_time(us: int) -> str:
    return datetime.fromtimestamp(us / 1e6, UTC).strftime("%Y-%m-%d %H:%M:%S")  # zone-less, UTC


def _write_woocommerce(orders: list[dict], out: Path, defects: bool) -> int:
    """The same orders as a WooCommerce order export: one row per order, dates zone-less in UTC (the
    run's default zone), the refund in refunded_total (a partly refunded order stays `completed`)."""
    rows: list[list[str]] = []
    for order in orders:
        at = _woocommerce_time(order["at"])
        total, refunded = order["total"], order["refunded"]
        lines = [f"name:{_PRODUCTS[i][0]}|product_id:{100 + i}|sku:SKU-{i + 1:03d}|quantity:{q}|"
                 f"total:{_PRODUCTS[i][1] * q:.2f}"
                 for i, q in zip(order["items"], order["qty"], strict=True)]
        row = dict.fromkeys(WOOCOMMERCE_HEADER, "")
        row.update({"order_id": str(5_000_000 + order["number"]), "order_number": str(order["number"]),
                    "order_date": at, "paid_date": at, "completed_date": at,
                    "status": "completed", "shipping_total": "0.00",  # a partial refund keeps it
                    "tax_total": f"{total * 19 / 119:.2f}", "discount_total": "0.00",
                    "order_total": f"{total:.2f}", "refunded_total": f"{refunded:.2f}",
                    "order_currency": "EUR", "payment_method": "stripe",
                    "payment_method_title": "Credit card (Stripe)", "customer_email": order["email"],
                    "billing_email": order["email"], "line_item_1": lines[0],
                    "line_item_2": lines[1] if len(lines) > 1 else ""})
        rows.append([row[c] for c in WOOCOMMERCE_HEADER])
    if defects and rows:
        bad = dict(zip(WOOCOMMERCE_HEADER, rows[0], strict=True))
        bad.update(order_id="5000999", order_number="999", customer_email="", billing_email="")
        rows.append([bad[c] for c in WOOCOMMERCE_HEADER])  # a guest order without email
    out.mkdir(parents=True, exist_ok=True)
    with (out / "orders_export.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(WOOCOMMERCE_HEADER)
        writer.writerows(rows)
    return len(rows)


def _write_google_ads(rng: np.random.Generator, out: Path, start_us: int, end_us: int,
                      defects: bool) -> int:
    days = [datetime.fromtimestamp((start_us + d * DAY_US) / 1e6, UTC).date()
            for d in range((end_us - start_us + HOUR_US) // DAY_US)]
    rows = []
    for day in days:
        for name, kind, mean in _CAMPAIGNS:
            cost = round(float(mean * rng.uniform(0.6, 1.4)), 2)
            clicks = int(max(1, cost / (0.9 if kind == "Search" else 0.35) * rng.uniform(0.7, 1.3)))
            impressions = int(clicks * (rng.uniform(12, 25) if kind == "Search" else rng.uniform(150, 400)))
            rows.append([name, day.isoformat(), kind, "EUR", f"{impressions:,}", str(clicks),
                         f"{cost:,.2f}"])
    if defects and rows:
        rows.append(list(rows[0][:6]) + ["n/a"])
    written = len(rows)
    if defects:
        total = sum(float(r[6].replace(",", "")) for r in rows if r[6] != "n/a")
        rows.append(["Total: Account", "", "", "EUR",
                     f"{sum(int(r[4].replace(',', '')) for r in rows):,}",
                     str(sum(int(r[5]) for r in rows)), f"{total:,.2f}"])
        written += 1
    out.mkdir(parents=True, exist_ok=True)
    with (out / "campaign_report.csv").open("w", newline="", encoding="utf-8") as handle:
        handle.write("Campaign report\n")
        handle.write(f'"{days[0]:%B} {days[0].day}, {days[0].year} - '
                     f'{days[-1]:%B} {days[-1].day}, {days[-1].year}"\n')
        writer = csv.writer(handle)
        writer.writerow(["Campaign", "Day", "Campaign type", "Currency code", "Impr.", "Clicks", "Cost"])
        writer.writerows(rows)
    return written


def _write_meta_ads(rng: np.random.Generator, out: Path, start_us: int, end_us: int) -> int:
    """Ads Manager's Export table data: campaign level, broken down by Day, spend in EUR."""
    days = [datetime.fromtimestamp((start_us + d * DAY_US) / 1e6, UTC).date()
            for d in range((end_us - start_us + HOUR_US) // DAY_US)]
    rows = []
    for day in days:
        for name, mean in _META_CAMPAIGNS:
            cost = round(float(mean * rng.uniform(0.6, 1.4)), 2)
            clicks = int(max(1, cost / 0.6 * rng.uniform(0.7, 1.3)))
            rows.append([name, day.isoformat(), f"{cost:.2f}", str(int(clicks * rng.uniform(60, 120))),
                         str(clicks), days[0].isoformat(), days[-1].isoformat()])
    out.mkdir(parents=True, exist_ok=True)
    with (out / "campaigns_by_day.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Campaign name", "Day", "Amount spent (EUR)", "Impressions", "Link clicks",
                         "Reporting starts", "Reporting ends"])
        writer.writerows(rows)
    return len(rows)


def _write_linkedin_ads(rng: np.random.Generator, out: Path, start_us: int, end_us: int) -> int:
    """Campaign Manager's campaign performance report, daily: its report lines, then the table
    (days as M/D/YYYY in UTC, amounts as `1,234.56`), as docs/sources.md describes it."""
    days = [datetime.fromtimestamp((start_us + d * DAY_US) / 1e6, UTC).date()
            for d in range((end_us - start_us + HOUR_US) // DAY_US)]
    rows = []
    for day in days:
        for name, campaign_id, mean in _LINKEDIN_CAMPAIGNS:
            cost = round(float(mean * rng.uniform(0.6, 1.4)), 2)
            clicks = int(max(1, cost / 6.5 * rng.uniform(0.7, 1.3)))  # LinkedIn's CPC is high
            impressions = int(clicks * rng.uniform(150, 300))
            rows.append([f"{day.month}/{day.day}/{day.year}", "Example GmbH", "Always on", name, campaign_id,
                         "Active", "EUR", f"{cost:,.2f}", f"{impressions:,}", str(clicks)])
    out.mkdir(parents=True, exist_ok=True)
    with (out / "campaign_performance_report.csv").open("w", newline="", encoding="utf-8") as handle:
        handle.write("Campaign Performance Report (in UTC)\n")
        handle.write(f'"Report Start: {days[0].month}/{days[0].day}/{days[0].year}, 12:00 AM"\n')
        handle.write(f'"Report End: {days[-1].month}/{days[-1].day}/{days[-1].year}, 11:59 PM"\n')
        writer = csv.writer(handle)
        writer.writerow(LINKEDIN_ADS_HEADER)
        writer.writerows(rows)
    return len(rows)
