//! What a real node (causal-node) did, event by event, as its `GET /events`
//! lists it: the one shape the node writes and the page's live view reads.

use serde::{Deserialize, Serialize};

/// What happened at a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeEventKind {
    /// Its own write.
    Write,
    /// A message from a peer arrived.
    Receive,
    /// A message was delivered (at once, or later out of the hold-back buffer).
    Deliver,
    /// A message was held back.
    Hold,
    /// A message arrived again: a duplicate, discarded.
    Discard,
}

impl NodeEventKind {
    /// Every kind, in the order above.
    pub const ALL: [NodeEventKind; 5] = [
        NodeEventKind::Write,
        NodeEventKind::Receive,
        NodeEventKind::Deliver,
        NodeEventKind::Hold,
        NodeEventKind::Discard,
    ];

    /// Its name on the wire.
    pub fn name(self) -> &'static str {
        match self {
            NodeEventKind::Write => "write",
            NodeEventKind::Receive => "receive",
            NodeEventKind::Deliver => "deliver",
            NodeEventKind::Hold => "hold",
            NodeEventKind::Discard => "discard",
        }
    }

    /// The kind with this name, if there is one (a reader skips kinds it
    /// does not know).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// One event of a node's log, `{"seq", "kind", "message"}`: its number
/// (from 1), what happened, and to which message, `M` being the message
/// as its reader holds it (`{"key", "value", "sender", "clock"}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeEvent<M> {
    /// Its number in the node's log, from 1.
    pub seq: u64,
    /// What happened.
    pub kind: NodeEventKind,
    /// To which message.
    pub message: M,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_wire_s() {
        for kind in NodeEventKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.name()));
            assert_eq!(NodeEventKind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(NodeEventKind::from_name("gossip"), None);
        let event: NodeEvent<serde_json::Value> =
            serde_json::from_str(r#"{"seq":3,"kind":"hold","message":{"key":"x"}}"#).unwrap();
        assert_eq!(event.kind, NodeEventKind::Hold);
        assert_eq!(event.seq, 3);
    }
}
