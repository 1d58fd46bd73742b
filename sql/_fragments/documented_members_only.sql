-- A rejected record's JSON text with only its documented members shown: the members $arg2 names
-- ('id|status|created_at', lower-case names) keep their values, every other member's value is
-- `[redacted]` (null stays null: it says nothing). For exports whose columns are the vendor's
-- documented ones plus one per custom field, named after the field's label (Fivetran's Zendesk
-- `ticket` and `user` tables, Freshdesk's ticket CSV): what an agent or a form put in such a column
-- can be anything, and its name is the account's own, so no name rule can tell it is personal.
-- Used as {{ documented_members_only(record, 'id|status') }}, before quality.rejected_rows' own
-- rules (which still redact the documented members that name someone).
-- Three passes, as neither RE2 nor Java's regexes may look ahead: mark the documented names
-- (`"~status":`), redact the value of every unmarked name, unmark. A name is a string after `{` or
-- `,` and before `:`; inside a JSON string a quote is escaped (`\"`), so no text inside a value is
-- taken for a name, and an array's strings are followed by `,` or `]`, never by `:`.
-- Two limits, which the exports this serves cannot reach (their CSV headers and column names are
-- normalised to [a-z0-9_]): a member whose own name starts with `~` is taken for a marked one and
-- shown, and a list of lists is redacted only up to its first inner list.
regexp_replace(
    regexp_replace(
        regexp_replace($arg1, '([{,]\s*")(' || $arg2 || ')("\s*:)', '\1~\2\3', 'g'),
        '([{,]\s*"[^~"\\][^"\\]*"\s*:\s*)(?:"[^"\\]*(?:\\.[^"\\]*)*"|-?[0-9][0-9.eE+-]*|true|false'
        || '|\{[^{}"]*(?:"[^"\\]*(?:\\.[^"\\]*)*"[^{}"]*)*\}|\[[^\]"]*(?:"[^"\\]*(?:\\.[^"\\]*)*"[^\]"]*)*\])',
        '\1"[redacted]"', 'g'
    ),
    '([{,]\s*")~([a-z0-9_]+"\s*:)', '\1\2', 'g'
)
