import Snapshot
