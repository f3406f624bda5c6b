#if canImport(Glibc)
import Glibc
#endif
import Server

exit(await CommandLineTool.main(CommandLine.arguments))
