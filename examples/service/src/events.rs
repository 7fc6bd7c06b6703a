//! A stand-in for the message bus: published events are queued for the worker.

/// A domain event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    UserUpdated { id: u64 },
}

/// The queue.
#[derive(Debug, Default)]
pub struct Bus {
    pub queue: Vec<Event>,
}

impl Bus {
    /// Queues an event for the subscribers.
    pub fn publish(&mut self, event: Event) {
        self.queue.push(event);
    }
}
