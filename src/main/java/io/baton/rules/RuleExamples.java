package io.baton.rules;

/** Request examples of the OpenAPI document (also in docs/rules.md). */
final class RuleExamples {

    static final String BI_DAILY_REPORT = """
            {
              "name": "bi-daily-report",
              "team": "bi",
              "description": "BI daily report once the game and eikaiwa ETLs have loaded the same day",
              "upstreams": [
                {"id": "game-load", "digdag": {"server": "main", "project": "game", "workflow": "etl", "task": "+etl+load"}},
                {"id": "eikaiwa-load", "digdag": {"server": "main", "project": "eikaiwa", "workflow": "etl", "task": "+etl+load"}}
              ],
              "match": "all",
              "correlation": {"by": "session_date", "zone": "Asia/Tokyo"},
              "window": "PT12H",
              "deadline": {"time": "07:00", "zone": "Asia/Tokyo"},
              "action": {"server": "main", "project": "bi", "workflow": "daily_report",
                         "params": {"report_date": "${upstream.session_date}"}},
              "notify": {"slack": "bi-alerts"}
            }""";

    static final String RESUME_FAILED = """
            {
              "name": "bi-kpi-refresh",
              "team": "bi",
              "description": "Refresh KPIs after the game ETL; if the session's run failed, rerun only its failed tasks",
              "upstreams": [{"digdag": {"server": "main", "project": "game", "workflow": "etl"}}],
              "action": {"server": "main", "project": "bi", "workflow": "kpi_refresh", "ifFailed": "resume_failed"}
            }""";

    static final String EXPRESSIONS = """
            {
              "name": "bi-daily-report-v2",
              "team": "bi",
              "description": "The game load and either the eikaiwa load or eikaiwa's word that it skipped the day, once the previous report succeeded",
              "upstreams": [
                {"id": "game-load", "digdag": {"server": "main", "project": "game", "workflow": "etl", "task": "+etl+load"}},
                {"id": "eikaiwa-load", "digdag": {"server": "main", "project": "eikaiwa", "workflow": "etl", "task": "+etl+load"}},
                {"id": "eikaiwa-skipped", "event": {"type": "com.example.eikaiwa.skipped"}, "filter": "data.rows == 0"}
              ],
              "condition": "game_load && (eikaiwa_load || eikaiwa_skipped)",
              "dependsOnPast": true,
              "correlation": {"by": "session_date", "zone": "Asia/Tokyo"},
              "action": {"server": "main", "project": "bi", "workflow": "daily_report"}
            }""";

    static final String ENABLEMENT = """
            {"enabled": false, "version": 3}""";

    private RuleExamples() {
    }
}
