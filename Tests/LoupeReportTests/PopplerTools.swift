import CCairo
import Foundation
import XCTest

/// Runs poppler-utils and compares rasterised pages with golden PNGs.
enum Poppler {
    /// The full path of `tool`, or nil when it is not installed.
    static func find(_ tool: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let path = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    /// Skips the test with a message when `tool` is absent.
    static func require(_ tool: String) throws -> String {
        guard let path = find(tool) else { throw XCTSkip("\(tool) not installed (apt-get install poppler-utils)") }
        return path
    }

    /// Runs `tool` with `arguments` and returns its standard output.
    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try require(tool))
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "\(tool) \(arguments.joined(separator: " "))")
        return String(decoding: data, as: UTF8.self)
    }
}

/// An RGB raster read from a PNG with Cairo.
struct PNGRaster {
    let width: Int
    let height: Int
    /// 0...1 per channel, RGB interleaved.
    let values: [Double]

    init?(path: String) {
        guard let surface = cairo_image_surface_create_from_png(path) else { return nil }
        defer { cairo_surface_destroy(surface) }
        guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS, let data = cairo_image_surface_get_data(surface) else { return nil }
        width = Int(cairo_image_surface_get_width(surface))
        height = Int(cairo_image_surface_get_height(surface))
        let stride = Int(cairo_image_surface_get_stride(surface))
        var v = [Double](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            let row = UnsafeRawPointer(data + y * stride).assumingMemoryBound(to: UInt32.self)
            for x in 0..<width {
                let p = row[x], i = 3 * (y * width + x)
                v[i] = Double((p >> 16) & 0xFF) / 255; v[i + 1] = Double((p >> 8) & 0xFF) / 255; v[i + 2] = Double(p & 0xFF) / 255
            }
        }
        values = v
    }

    /// Root-mean-square difference to `other` (same size required).
    func rms(_ other: PNGRaster) -> Double {
        var sum = 0.0
        for i in values.indices { let d = values[i] - other.values[i]; sum += d * d }
        return (sum / Double(max(1, values.count))).squareRoot()
    }

    /// Writes |self − other| × 4 as a PNG, for looking at what changed.
    func writeDiff(_ other: PNGRaster, to path: String) {
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(width), Int32(height)) else { return }
        defer { cairo_surface_destroy(surface) }
        cairo_surface_flush(surface)
        guard let data = cairo_image_surface_get_data(surface) else { return }
        let stride = Int(cairo_image_surface_get_stride(surface))
        for y in 0..<height {
            let row = UnsafeMutableRawPointer(data + y * stride).assumingMemoryBound(to: UInt32.self)
            for x in 0..<width {
                let i = 3 * (y * width + x)
                func c(_ k: Int) -> UInt32 { UInt32(min(255, abs(values[i + k] - other.values[i + k]) * 4 * 255)) }
                row[x] = (255 - c(0)) << 16 | (255 - c(1)) << 8 | (255 - c(2))
            }
        }
        cairo_surface_mark_dirty(surface)
        cairo_surface_write_to_png(surface, path)
    }
}
