"""Risk: rules as versioned data, device ids, watch lists, step-up, alerts and cases, AML."""
