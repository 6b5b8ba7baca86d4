"""Event tracking (埋点): intake from the apps, the funnel and the business KPIs."""
