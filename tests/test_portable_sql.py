"""The portable-SQL guard rejects each construct that changes meaning on Spark, and passes our SQL."""

import re

import pytest

from journeyflow.portable import check_folder, find_unportable
from journeyflow.sql_templates import SQL_DIR


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
        ("select json_extract_string(record, '$.results[*].id') from t", "wildcard"),
        ("select json_object('k', json_extract(record, '$.data')) from t", "json_object/struct member"),
        ("select {'k': 'a', 'v': json_extract(record, '$.a')} from t", "json_object/struct member"),
        # sql/staging/linkedin_leads.sql had it: Spark refused 'yyyy-MM-ddTHH:mm:ss' (issue #26)
        ("select strftime(submitted_at, '%Y-%m-%dT%H:%M:%S') from t", "letter outside the %-codes"),
        ("select strptime(t, '%d.%m.%Y um %H:%M') from t", "letter outside the %-codes"),
        ("select try_strptime(t, ['%Y-%m-%d', '%Y-%m-%dT%H:%M']) from t", "letter outside the %-codes"),
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
        "select from_json(json_extract(record, '$.results'), '[{\"id\": \"VARCHAR\"}]') from t",
        "select json_object('k', json(json_extract(record, '$.data'))) from t",
        "select replace(strftime(a, '%Y-%m-%d %H:%M:%S'), ' ', 'T') from t",
        "select try_strptime(t, ['%d.%m.%Y %H:%M', '%m/%d/%Y %I:%M %p']) from t",
    ],
)
def test_portable_forms_pass(sql):
    assert find_unportable(sql) == []


def test_project_sql_is_portable():
    findings = check_folder(SQL_DIR)
    assert findings == [], "\n".join(map(str, findings))


def test_fragments_are_inlined_before_sql_runs():
    from journeyflow.sql_templates import sql_text

    for table in ("staging.hubspot_contacts", "staging.hubspot_deals", "staging.zendesk_tickets",
                  "staging.survey_nps", "staging.snowplow_events", "staging.segment_events"):
        query = sql_text(table)
        assert "{{" not in query and "$time_zone" not in query
        assert "try_strptime" in query  # the shared timestamp parser is there


def test_fragments_take_several_arguments():
    from journeyflow.sql_templates import expand_fragments

    query = expand_fragments("select {{ parse_export_amount(n.value_text, n._delimiter) }} as v")
    assert "n._delimiter = ';'" in query and "try_cast(n.value_text as double)" in query
    assert "$arg" not in query and "{{" not in query
    # a one-argument fragment still uses `$arg`, and fragments nest
    assert "lambda t:" in expand_fragments("{{ parse_export_timestamp($hubspot_time_zone) }}")
    # a string literal without commas is an argument too (a label a reject reason shows)
    query = expand_fragments("{{ freshdesk_ticket_times(renamed, 'Created time', 'b', 'c') }}")
    assert "{'label': 'Created time', 'txt': created_at_text" in query and "from renamed" in query


def test_every_fragment_argument_is_filled_in():
    from journeyflow.sql_templates import expand_fragments

    for path in SQL_DIR.rglob("*.sql"):
        if path.parent.name != "_fragments":
            query = expand_fragments(path.read_text(encoding="utf-8"))
            # `{{ name }}` without parentheses is a union that sql_text() fills in, not a fragment
            assert "$arg" not in query and not re.search(r"\{\{\s*[a-z_]+\(", query), path
