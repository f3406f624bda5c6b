// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "NumNinja",
    products: [
        .executable(name: "numninja", targets: ["numninja"]),
    ],
    targets: [
        // System libraries (Debian: liblz4-dev, libssl-dev, zlib1g-dev).
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        // libcrypto (HMAC) and libssl (TLS to providers); both ship in libssl-dev.
        .systemLibrary(name: "CCrypto", pkgConfig: "libssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Small C wrappers for what Glibc does not export to Swift, and hardware CRC32C.
        .target(name: "CSystemShim"),

        // Storage primitives: journal, snapshot files, CRC32C, the file-I/O seam.
        .target(name: "Snapshot", dependencies: ["CLZ4", "CSystemShim"]),
        // The domain: number lifecycle, per-number actors, routing, recovery.
        // Release builds skip the run-time exclusivity checks on the domain's hot paths (about 3 % of the
        // instructions of a recovery: every access to a history buffer's header was checked); debug builds and
        // so the tests keep them.
        .target(name: "NumberActors", dependencies: ["Snapshot", "CSystemShim"],
                swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]),
        // HTTP, provider adapters, API, CLI.
        .target(name: "Server", dependencies: ["NumberActors", "Snapshot", "CCrypto", "CZlib", "CSystemShim"]),
        .executableTarget(name: "numninja", dependencies: ["Server"]),

        // Crash tests spawn this child: it appends with fsync and reports acknowledged sequences.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .executableTarget(name: "storage-crash-child", dependencies: ["Snapshot", "TestSupport"], path: "Tests/StorageCrashChild"),
        .executableTarget(name: "fixture-writer", dependencies: ["NumberActors"], path: "Tests/FixtureWriter"),
        .executableTarget(name: "snapshot-crash-child", dependencies: ["Snapshot"], path: "Tests/SnapshotCrashChild"),
        .executableTarget(name: "storage-bench", dependencies: ["Snapshot"], path: "Benchmarks/StorageBench"),
        .executableTarget(name: "engine-bench", dependencies: ["NumberActors", "CSystemShim"], path: "Benchmarks/EngineBench"),
        .executableTarget(name: "number-bench", dependencies: ["NumberActors"], path: "Benchmarks/NumberBench"),
        .executableTarget(name: "http-bench", dependencies: ["Server", "CSystemShim"], path: "Benchmarks/HTTPBench"),
        .executableTarget(name: "crash-harness", dependencies: ["Server"], path: "Benchmarks/CrashHarness"),

        .testTarget(name: "SnapshotTests", dependencies: ["Snapshot", "TestSupport"]),
        .testTarget(name: "NumberActorsTests", dependencies: ["NumberActors", "TestSupport"]),
        .testTarget(name: "ServerTests", dependencies: ["Server", "TestSupport"], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
