//! A generic stack with generic methods.

pub struct Stack<T> {
    items: Vec<T>,
    log: Logger,
}

pub struct Logger;

impl Logger {
    pub fn note(&self, what: &str) {
        let _ = what;
    }
}

impl<T> Stack<T> {
    pub fn push(&mut self, t: T) {
        self.log.note("push");
        self.items.push(t);
    }

    pub fn push_all<I: IntoIterator<Item = T>>(&mut self, items: I) {
        for i in items {
            self.push(i);
        }
    }
}
