//! Incidents: emergency response with deadlines, automatic actions and escalation chains.
