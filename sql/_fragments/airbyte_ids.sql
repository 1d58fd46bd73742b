-- The ids of an Airbyte HubSpot stream's association list ($arg1 = the JSON record, $arg2 = the
-- list's path: `contacts`, an array of ids, numbers for deals and texts for engagements), lowest
-- first (as numbers, else as text), blanks dropped; empty when the list is missing or empty.
list_transform(
    list_sort(list_transform(
        list_filter(
            list_transform(
                coalesce(from_json({{ airbyte_json($arg1, $arg2) }}, '["VARCHAR"]'), []),
                lambda c: nullif(trim(c), '')
            ),
            lambda c: c is not null
        ),
        lambda c: {'n': try_cast(c as bigint), 'id': c}
    )),
    lambda s: s.id
)
