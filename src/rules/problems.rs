//! `invalid_key` and `parse_error` findings: problems met while reading files and keys.

use super::{Context, Draft, Sink, invalid_key, parse_error};

/// Reports every problem the extraction and the model recorded.
pub fn check(cx: &Context, sink: &mut Sink) {
    for problem in &cx.model.problems {
        let rule = match problem.rule {
            "parse_error" => &parse_error::RULE,
            _ => &invalid_key::RULE,
        };
        let primary = cx.label(problem.span, label_for(problem.rule));
        let draft = Draft {
            message: problem.message.clone(),
            identity: vec![problem.message.clone()],
            primary,
            related: Vec::new(),
            notes: Vec::new(),
            help: help_for(problem.rule),
            suggestion: None,
        };
        sink.report(rule, &problem.allow, draft);
    }
}

fn label_for(rule: &str) -> &'static str {
    match rule {
        "parse_error" => "cachelint could not parse this",
        _ => "not a valid cachelint argument",
    }
}

fn help_for(rule: &str) -> Option<String> {
    match rule {
        "parse_error" => Some(
            "the run went on without what could not be parsed; fix the syntax to analyze it"
                .to_string(),
        ),
        _ => None,
    }
}
