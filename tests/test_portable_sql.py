"""The portable-SQL guard rejects each construct that changes meaning on Spark, and passes our SQL."""

import pytest

from journeyflow.portable import check_folder, find_unportable
from journeyflow.warehouse import SQL_DIR


@pytest.mark.parametrize(
    ("sql", "construct"),
    [
        ("select list(tp order by occurred_at) from t group by p", "ordered aggregate"),
        ("select string_agg(tp, ' > ' order by n) from t group by p", "ordered aggregate"),
        ("select date_diff('minute', a_at, b_at) from t", "date_diff"),
        ("select date_diff('day', a_at, b_at) from t", "date_diff"),
        ("select datediff('second', a_at, b_at) from t", "date_diff"),
        ("select lag(tp) over (partition by p order by occurred_at) from t", "timestamp alone"),
        ("select row_number() over (order by started_at desc) from t", "timestamp alone"),
        ("select arg_min(tp, occurred_at) from t group by p", "arg_min"),
    ],
)
def test_each_unportable_construct_is_found(sql, construct):
    findings = find_unportable(sql)
    assert len(findings) == 1
    assert construct in findings[0].construct


@pytest.mark.parametrize(
    "sql",
    [
        "select list_sort(list({'ts': occurred_at, 'id': event_id, 'tp': tp})) from t group by p",
        "select epoch(b_at) - epoch(a_at) > 1800 from t",
        "select lag(tp) over (partition by p order by occurred_at, event_id) from t",
        "select arg_min(tp, touchpoint_number) from t group by p",
    ],
)
def test_portable_forms_pass(sql):
    assert find_unportable(sql) == []


def test_project_sql_is_portable():
    findings = check_folder(SQL_DIR)
    assert findings == [], "\n".join(map(str, findings))


def test_fragments_are_inlined_before_sql_runs():
    from journeyflow.warehouse import sql_text

    for table in ("staging.hubspot_contacts", "staging.hubspot_deals", "staging.zendesk_tickets",
                  "staging.survey_nps", "staging.snowplow_events", "staging.segment_events"):
        query = sql_text(table)
        assert "{{" not in query and "$time_zone" not in query
        assert "try_strptime" in query  # the shared timestamp parser is there
