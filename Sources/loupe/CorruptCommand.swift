import ArgumentParser
import Foundation
import LoupeCorruptions
import LoupePipeline

/// `loupe corrupt IMAGE --corruption NAME --severity S --output out.png` (or `--all --output-dir DIR`).
struct CorruptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "corrupt",
        abstract: "Apply an ImageNet-C / CIFAR-10-C common corruption to an image (PNG or JPEG in, PNG out).",
        discussion: "Corruptions: " + Corruptions.names.joined(separator: ", ")
            + ". Profile defaults to cifar for 32x32 images and imagenet otherwise.")

    @Argument(help: "The input image (PNG or JPEG).") var image: String
    @Option(name: .long, help: "Corruption name.") var corruption: String?
    @Option(name: .long, help: "Severity 1 to 5.") var severity: Int?
    @Option(name: .long, help: "Seed of the random corruptions.") var seed: UInt64 = 0
    @Option(name: .long, help: "Constants: cifar or imagenet (default by image size).") var profile: String?
    @Option(name: .long, help: "Output PNG (single corruption).") var output: String?
    @Flag(name: .long, help: "Write every corruption x severity (the 15 benchmark + 4 extra).") var all = false
    @Option(name: .customLong("output-dir"), help: "Output folder for --all.") var outputDir: String?
    @Flag(name: .long, help: "With --all: only the 15 benchmark corruptions.") var benchmarkOnly = false
    @Flag(name: .long, help: "With --all: print the corruption time as one JSON line.") var time = false
    @Option(name: .long, help: "With --all --time: repeat each corruption N times (timing only).") var repeats: Int = 1
    @OptionGroup var memoryLimit: MemoryLimitOption

    func validate() throws {
        if all {
            guard outputDir != nil || time else { throw ValidationError("--all needs --output-dir DIR (or --time)") }
        } else {
            guard corruption != nil, severity != nil, output != nil else {
                throw ValidationError("give --corruption NAME --severity S --output out.png, or --all --output-dir DIR")
            }
        }
        guard repeats > 0 else { throw ValidationError("--repeats must be positive") }
    }

    func run() throws {
        try memoryLimit.run {
            if all {
                let names = benchmarkOnly ? Corruptions.benchmark.map { $0.name } : Corruptions.names
                var parts = [String]()
                let seconds = try CorruptionRunner.runAll(input: image, seed: seed, profile: profile, directory: outputDir ?? "",
                                                          names: names, repeats: repeats, write: outputDir != nil) { name, s in
                    parts.append(String(format: "\"%@\":%.2f", name, s * 1000))
                }
                if time {
                    print("{\"engine\":\"loupe\",\"pairs\":\(names.count * 5),\"seconds\":\(seconds),\"ms\":{\(parts.joined(separator: ","))}}")
                }
            } else if let corruption, let severity, let output {
                let deviations = try CorruptionRunner.run(input: image, corruption: corruption, severity: severity, seed: seed,
                                                          profile: profile, output: output)
                for line in deviations { FileHandle.standardError.write(Data("note: \(line)\n".utf8)) }
            }
        }
    }
}
