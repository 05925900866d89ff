//! The lab's kvraft test suite (3A, 3B), every scenario over many seeds, each history checked
//! for linearizability, Raft's invariants and the replicas' agreement checked after every event.
//!
//! `KV_SEEDS=N` runs seeds `0..N` (default 10); `KV_SEED=S` replays one seed.
#![cfg(not(target_arch = "wasm32"))]

use lab::kv_suite::SCENARIOS;

mod common;

common::scenario_tests! {
    SCENARIOS, "KV", 10, "kv_suite";
    basic_3a => "Basic3A",
    speed_3a => "Speed3A",
    concurrent_3a => "Concurrent3A",
    unreliable_one_key_3a => "UnreliableOneKey3A",
    unreliable_3a => "Unreliable3A",
    one_partition_3a => "OnePartition3A",
    many_partitions_one_client_3a => "ManyPartitionsOneClient3A",
    many_partitions_many_clients_3a => "ManyPartitionsManyClients3A",
    persist_one_client_3a => "PersistOneClient3A",
    persist_concurrent_3a => "PersistConcurrent3A",
    persist_concurrent_unreliable_3a => "PersistConcurrentUnreliable3A",
    persist_partition_3a => "PersistPartition3A",
    persist_partition_unreliable_3a => "PersistPartitionUnreliable3A",
    persist_partition_unreliable_linearizable_3a => "PersistPartitionUnreliableLinearizable3A",
    snapshot_rpc_3b => "SnapshotRPC3B",
    snapshot_size_3b => "SnapshotSize3B",
    speed_3b => "Speed3B",
    snapshot_recover_3b => "SnapshotRecover3B",
    snapshot_recover_many_clients_3b => "SnapshotRecoverManyClients3B",
    snapshot_unreliable_3b => "SnapshotUnreliable3B",
    snapshot_unreliable_recover_3b => "SnapshotUnreliableRecover3B",
    snapshot_unreliable_recover_concurrent_partition_3b => "SnapshotUnreliableRecoverConcurrentPartition3B",
    snapshot_unreliable_recover_concurrent_partition_linearizable_3b => "SnapshotUnreliableRecoverConcurrentPartitionLinearizable3B",
}
