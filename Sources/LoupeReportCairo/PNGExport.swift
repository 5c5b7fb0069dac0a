import CCairo
import Foundation
import LoupeReport

extension CairoPDFRenderer {
    /// Writes a raster image as PNG (to a temporary name, renamed when complete).
    public static func writePNG(_ image: RasterImage, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        guard let surface = ImageSurface.make(image) else {
            throw ReportError.io(path: path, reason: "cannot allocate a \(image.width)x\(image.height) image")
        }
        defer { cairo_surface_destroy(surface) }
        let temporary = path + ".partial"
        let status = cairo_surface_write_to_png(surface, temporary)
        guard status == CAIRO_STATUS_SUCCESS else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw ReportError.io(path: path, reason: String(cString: cairo_status_to_string(status)))
        }
        guard rename(temporary, path) == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw ReportError.io(path: path, reason: "cannot rename the finished file into place")
        }
    }
}
