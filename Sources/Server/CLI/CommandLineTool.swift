import Snapshot

/// The `numninja` command line: dispatches subcommands and turns errors into exit statuses
/// (2 for usage errors, 1 for failures), each with a one-line reason on stderr.
public enum CommandLineTool {
    static let help = """
        usage: numninja <command> [options]

        commands:
          serve                      recover the data directory and serve HTTP until SIGTERM/SIGINT
          send stripe|didww ...      sign and send a realistic provider event to a running server
          recover --data-dir DIR     recover the state and print a one-line JSON summary
          journal verify|dump        check or print the journal of a data directory
          snapshot inspect FILE      verify a snapshot and print its header (--dump: its entities)
          demo                       the whole story of one number against the built-in provider simulators

        Every command takes --help.
        """

    public static func main(_ arguments: [String]) async -> Int32 {
        let rest = arguments.dropFirst()
        do {
            guard let command = rest.first else {
                Output.standardError.line(help)
                Output.standardError.flush()
                return 2
            }
            switch command {
            case "--help", "-h", "help":
                Output.standardOutput.line(help)
                Output.standardOutput.flush()
                return 0
            case "journal": return try StorageCommands.journal(rest.dropFirst())
            case "snapshot": return try StorageCommands.snapshot(rest.dropFirst())
            case "serve": return try await ServeCommand.run(rest.dropFirst())
            case "recover": return try RecoverCommand.run(rest.dropFirst())
            case "send": return try SendCommand.run(rest.dropFirst())
            case "demo": return try await DemoCommand.run(rest.dropFirst())
            default: throw UsageError("unknown command '\(command)' (try numninja --help)")
            }
        } catch let error as UsageError {
            fail("numninja: \(error)")
            return 2
        } catch {
            fail("numninja: \(error)")
            return 1
        }
    }

    static func fail(_ message: String) {
        Output.standardOutput.flush()
        Output.standardError.line(message)
        Output.standardError.flush()
    }
}
