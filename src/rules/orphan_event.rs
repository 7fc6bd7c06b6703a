//! `orphan_event`: an event published with no subscriber, or subscribed with no publisher.

use super::{AllowAt, Context, Draft, RuleInfo, Sink};
use crate::finding::Level;
use crate::graph::EventSite;
use std::collections::HashSet;

/// The rule's descriptor.
pub const RULE: RuleInfo = RuleInfo {
    name: "orphan_event",
    default_level: Level::Warning,
    summary: "an event published with no subscriber, or subscribed with no publisher",
    docs: include_str!("docs/orphan_event.md"),
    allow_at: AllowAt::Event,
};

/// Reports events published with no subscriber and subscribed with no publisher.
pub fn check(cx: &Context, sink: &mut Sink) {
    let model = cx.model;
    let published: HashSet<&str> = model.publishes.iter().map(|p| p.name.as_str()).collect();
    let subscribed: HashSet<&str> = model.subscribes.iter().map(|s| s.name.as_str()).collect();
    for publish in &model.publishes {
        if !subscribed.contains(publish.name.as_str()) {
            let function = model.display_name(publish.function);
            let draft = Draft {
                message: format!(
                    "`{function}` publishes `{}`, but nothing subscribes to it",
                    publish.name
                ),
                primary: cx.label(publish.span, "no `#[subscribes]` for this event"),
                help: Some(
                    did_you_mean(&publish.name, &model.subscribes).unwrap_or_else(|| {
                        "subscribe a worker to it, or stop publishing it".to_string()
                    }),
                ),
                ..draft(cx, publish)
            };
            sink.report(&RULE, &publish.allow, draft);
        }
    }
    for subscribe in &model.subscribes {
        if !published.contains(subscribe.name.as_str()) {
            let function = model.display_name(subscribe.function);
            let draft = Draft {
                message: format!(
                    "`{function}` subscribes to `{}`, but nothing publishes it",
                    subscribe.name
                ),
                primary: cx.label(subscribe.span, "no `#[publishes]` for this event"),
                // A subscriber something also calls directly does run, through that call.
                notes: vec![if model.live[subscribe.function] {
                    format!(
                        "the event never triggers `{function}`; it runs only where it is called \
                         directly"
                    )
                } else {
                    format!("`{function}` never runs, so its writes invalidate nothing")
                }],
                help: Some(
                    did_you_mean(&subscribe.name, &model.publishes).unwrap_or_else(|| {
                        "publish it where the data changes, or remove the subscriber".to_string()
                    }),
                ),
                ..draft(cx, subscribe)
            };
            sink.report(&RULE, &subscribe.allow, draft);
        }
    }
}

fn draft(cx: &Context, site: &EventSite) -> Draft {
    Draft {
        message: String::new(),
        primary: cx.label(site.span, ""),
        related: Vec::new(),
        notes: Vec::new(),
        help: None,
        suggestion: None,
        identity: vec![site.name.clone(), cx.model.qualified_name(site.function)],
    }
}

fn did_you_mean(name: &str, others: &[EventSite]) -> Option<String> {
    let names: Vec<&str> = others.iter().map(|s| s.name.as_str()).collect();
    cachelint_core::rules::suggest(name, names).map(|n| format!("did you mean `{n}`?"))
}
