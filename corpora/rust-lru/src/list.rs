//! A doubly-linked list stored in a slab (`Vec` of slots), addressed by handles.
//!
//! Handles stay valid until their node is removed; removed slots are reused.

/// Index of a node in the slab.
pub type Handle = usize;

#[derive(Debug)]
struct Node<T> {
    value: T,
    prev: Option<Handle>,
    next: Option<Handle>,
}

#[derive(Debug)]
pub struct List<T> {
    nodes: Vec<Option<Node<T>>>,
    free: Vec<Handle>,
    head: Option<Handle>,
    tail: Option<Handle>,
    len: usize,
}

impl<T> Default for List<T> {
    fn default() -> Self {
        List::new()
    }
}

impl<T> List<T> {
    pub fn new() -> Self {
        List { nodes: Vec::new(), free: Vec::new(), head: None, tail: None, len: 0 }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Handle of the first (most recently pushed to the front) node.
    pub fn front(&self) -> Option<Handle> {
        self.head
    }

    /// Handle of the last node.
    pub fn back(&self) -> Option<Handle> {
        self.tail
    }

    fn alloc(&mut self, node: Node<T>) -> Handle {
        match self.free.pop() {
            Some(h) => {
                self.nodes[h] = Some(node);
                h
            }
            None => {
                self.nodes.push(Some(node));
                self.nodes.len() - 1
            }
        }
    }

    fn node_mut(&mut self, h: Handle) -> &mut Node<T> {
        self.nodes[h].as_mut().expect("handle refers to a live node")
    }

    pub fn push_front(&mut self, value: T) -> Handle {
        let h = self.alloc(Node { value, prev: None, next: self.head });
        match self.head {
            Some(old) => self.node_mut(old).prev = Some(h),
            None => self.tail = Some(h),
        }
        self.head = Some(h);
        self.len += 1;
        h
    }

    pub fn push_back(&mut self, value: T) -> Handle {
        let h = self.alloc(Node { value, prev: self.tail, next: None });
        match self.tail {
            Some(old) => self.node_mut(old).next = Some(h),
            None => self.head = Some(h),
        }
        self.tail = Some(h);
        self.len += 1;
        h
    }

    /// Detach a live node from its neighbours (the slot stays occupied).
    fn unlink(&mut self, h: Handle) {
        let (prev, next) = {
            let node = self.node_mut(h);
            (node.prev.take(), node.next.take())
        };
        match prev {
            Some(p) => self.node_mut(p).next = next,
            None => self.head = next,
        }
        match next {
            Some(n) => self.node_mut(n).prev = prev,
            None => self.tail = prev,
        }
    }

    /// Remove the node `h` and return its value; `None` if `h` is not a live node.
    pub fn remove(&mut self, h: Handle) -> Option<T> {
        if self.nodes.get(h).map_or(true, Option::is_none) {
            return None;
        }
        self.unlink(h);
        let node = self.nodes[h].take()?;
        self.free.push(h);
        self.len -= 1;
        Some(node.value)
    }

    /// Move the live node `h` to the front. Returns false if `h` is not live.
    pub fn move_to_front(&mut self, h: Handle) -> bool {
        if self.nodes.get(h).map_or(true, Option::is_none) {
            return false;
        }
        if self.head == Some(h) {
            return true;
        }
        self.unlink(h);
        let old_head = self.head;
        {
            let node = self.node_mut(h);
            node.next = old_head;
            node.prev = None;
        }
        if let Some(old) = old_head {
            self.node_mut(old).prev = Some(h);
        }
        self.head = Some(h);
        if self.tail.is_none() {
            self.tail = Some(h);
        }
        true
    }

    /// Remove and return the first value; `None` when the list is empty.
    pub fn pop_front(&mut self) -> Option<T> {
        let head = self.head?;
        self.remove(head)
    }

    /// Remove and return the last value; `None` when the list is empty.
    pub fn pop_back(&mut self) -> Option<T> {
        let tail = self.tail.unwrap();
        self.remove(tail)
    }

    /// The value of node `h`; `None` if `h` is out of range or not live (for
    /// example a handle kept from before a `clear`).
    pub fn get(&self, h: Handle) -> Option<&T> {
        self.nodes[h].as_ref().map(|node| &node.value)
    }

    /// Mutable access to the value of node `h`; `None` if `h` is out of range or not live.
    pub fn get_mut(&mut self, h: Handle) -> Option<&mut T> {
        self.nodes.get_mut(h)?.as_mut().map(|node| &mut node.value)
    }

    /// Remove every node. Handles from before are invalid afterwards.
    pub fn clear(&mut self) {
        self.nodes.clear();
        self.free.clear();
        self.head = None;
        self.tail = None;
        self.len = 0;
    }

    /// Values from front to back.
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { list: self, next: self.head }
    }
}

pub struct Iter<'a, T> {
    list: &'a List<T>,
    next: Option<Handle>,
}

impl<'a, T> Iterator for Iter<'a, T> {
    type Item = &'a T;

    fn next(&mut self) -> Option<&'a T> {
        let h = self.next?;
        let node = self.list.nodes[h].as_ref()?;
        self.next = node.next;
        Some(&node.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_remove_and_iterate() {
        let mut list = List::new();
        let a = list.push_back("a");
        let b = list.push_back("b");
        let c = list.push_front("c");
        assert_eq!(list.iter().copied().collect::<Vec<_>>(), vec!["c", "a", "b"]);
        assert_eq!(list.remove(a), Some("a"));
        assert_eq!(list.remove(a), None);
        assert!(list.move_to_front(b));
        assert_eq!(list.iter().copied().collect::<Vec<_>>(), vec!["b", "c"]);
        assert_eq!(list.get(c), Some(&"c"));
        assert_eq!(list.pop_back(), Some("c"));
        assert_eq!(list.pop_front(), Some("b"));
        assert!(list.is_empty());
        assert_eq!(list.pop_front(), None);
    }

    #[test]
    fn slots_are_reused() {
        let mut list = List::new();
        let a = list.push_back(1);
        list.remove(a);
        let b = list.push_back(2);
        assert_eq!(a, b);
        if let Some(v) = list.get_mut(b) {
            *v = 3;
        }
        assert_eq!(list.get(b), Some(&3));
        assert_eq!(list.get_mut(99), None);
        list.clear();
        assert_eq!(list.len(), 0);
    }
}
