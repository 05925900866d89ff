use std::fmt;

use serde::{Deserialize, Serialize};

/// Identifies a Clerk (the lab's ClientId).
pub type ClientId = u64;
/// A Clerk's sequence number for its operations, from 1.
pub type Seq = u64;

/// The longest key a Clerk accepts, in bytes.
pub const MAX_KEY_BYTES: usize = 256;
/// The longest Put/Append value a Clerk accepts, in bytes.
pub const MAX_VALUE_BYTES: usize = 4096;

/// The three operations of the service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OpKind {
    /// Reads a key's value ("" when missing).
    Get,
    /// Replaces a key's value.
    Put,
    /// Appends to a key's value (as Put on a missing key).
    Append,
}

/// One operation as a client asks for it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Op {
    /// What to do.
    pub kind: OpKind,
    /// The key; the empty key is a key like any other.
    pub key: String,
    /// The Put/Append argument; empty for Get.
    pub value: String,
}

/// Why an operation was refused before it was sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OpError {
    /// The key is longer than [`MAX_KEY_BYTES`].
    KeyTooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// The value is longer than [`MAX_VALUE_BYTES`].
    ValueTooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// A Get carries no value.
    ValueOnGet,
}

impl fmt::Display for OpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpError::KeyTooLong { len } => {
                write!(f, "key is {len} bytes; the limit is {MAX_KEY_BYTES}")
            }
            OpError::ValueTooLong { len } => {
                write!(f, "value is {len} bytes; the limit is {MAX_VALUE_BYTES}")
            }
            OpError::ValueOnGet => write!(f, "a Get takes no value"),
        }
    }
}

impl std::error::Error for OpError {}

impl Op {
    /// `Get(key)`.
    pub fn get(key: impl Into<String>) -> Op {
        Op { kind: OpKind::Get, key: key.into(), value: String::new() }
    }

    /// `Put(key, value)`.
    pub fn put(key: impl Into<String>, value: impl Into<String>) -> Op {
        Op { kind: OpKind::Put, key: key.into(), value: value.into() }
    }

    /// `Append(key, value)`.
    pub fn append(key: impl Into<String>, value: impl Into<String>) -> Op {
        Op { kind: OpKind::Append, key: key.into(), value: value.into() }
    }

    /// Checks the sizes a Clerk accepts.
    pub fn validate(&self) -> Result<(), OpError> {
        if self.key.len() > MAX_KEY_BYTES {
            return Err(OpError::KeyTooLong { len: self.key.len() });
        }
        if self.value.len() > MAX_VALUE_BYTES {
            return Err(OpError::ValueTooLong { len: self.value.len() });
        }
        if self.kind == OpKind::Get && !self.value.is_empty() {
            return Err(OpError::ValueOnGet);
        }
        Ok(())
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            OpKind::Get => write!(f, "Get({:?})", self.key),
            OpKind::Put => write!(f, "Put({:?}, {:?})", self.key, self.value),
            OpKind::Append => write!(f, "Append({:?}, {:?})", self.key, self.value),
        }
    }
}

/// What a KvServer puts in the Raft log: the operation and who asked, once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Command {
    /// The Clerk.
    pub client_id: ClientId,
    /// The Clerk's sequence number for it.
    pub seq: Seq,
    /// The operation.
    pub op: Op,
}

impl Command {
    /// The bytes stored in the log.
    pub fn encode(&self) -> Vec<u8> {
        postcard::to_allocvec(self).expect("encoding to a Vec cannot fail")
    }

    /// Reads log bytes back; `None` if they are not a command.
    pub fn decode(bytes: &[u8]) -> Option<Command> {
        postcard::from_bytes(bytes).ok()
    }
}

/// A [`Command`] read in place from log bytes, in two steps: who asked and what kind of
/// operation, then — only where it is needed — the key and value, which borrow from the bytes.
/// Applying a command copies only what the map keeps, and a replica that has no use for a Get
/// does not read its key.
#[derive(Debug)]
pub(crate) struct CommandRef<'a> {
    pub(crate) client_id: ClientId,
    pub(crate) seq: Seq,
    pub(crate) kind: OpKind,
    /// The encoded key and value.
    args: &'a [u8],
}

/// The fields of a [`Command`] before its key and value, as encoded.
#[derive(Deserialize)]
struct Head {
    client_id: ClientId,
    seq: Seq,
    kind: OpKind,
}

/// The key and value of a [`Command`], borrowed from log bytes.
#[derive(Debug, Deserialize)]
pub(crate) struct Args<'a> {
    pub(crate) key: &'a str,
    pub(crate) value: &'a str,
}

impl<'a> CommandRef<'a> {
    /// Reads who asked and the operation's kind; `None` if the bytes do not start a command.
    pub(crate) fn decode(bytes: &'a [u8]) -> Option<CommandRef<'a>> {
        let (head, args): (Head, _) = postcard::take_from_bytes(bytes).ok()?;
        let Head { client_id, seq, kind } = head;
        Some(CommandRef { client_id, seq, kind, args })
    }

    /// The key and value; `None` if the bytes are not a command after all.
    pub(crate) fn args(&self) -> Option<Args<'a>> {
        postcard::from_bytes(self.args).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    // In the browser (`wasm-pack test --headless --chrome`), as wasm-bindgen tests.
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn a_command_reads_back_in_place() {
        let command = Command { client_id: 3, seq: 9, op: Op::append("k\u{e9}y", "v") };
        let bytes = command.encode();
        let read = CommandRef::decode(&bytes).expect("decodes");
        assert_eq!((read.client_id, read.seq, read.kind), (3, 9, OpKind::Append));
        let args = read.args().expect("decodes");
        assert_eq!((args.key, args.value), ("k\u{e9}y", "v"));
        assert_eq!(Command::decode(&bytes), Some(command));
        let cut = CommandRef::decode(&bytes[..bytes.len() - 1]).expect("the head is whole");
        assert!(cut.args().is_none());
    }
}
