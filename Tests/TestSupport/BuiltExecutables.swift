import Foundation

/// Executables SwiftPM built next to the running test binary (`swift build --build-tests` builds them all).
public enum BuiltExecutables {
    public static func path(_ name: String) -> String? {
        var directory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = directory.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }
}
