#if canImport(Glibc)
import Glibc
#endif
import Server

exit(CommandLineTool.main(CommandLine.arguments))
