import CCairo
import LoupeReport

/// Copies a `RasterImage` into a Cairo image surface (RGB24, or premultiplied ARGB32 with alpha).
enum ImageSurface {
    /// A new surface the caller destroys, or nil when Cairo cannot allocate it.
    static func make(_ image: RasterImage) -> OpaquePointer? {
        let hasAlpha = image.format == .rgba
        let format = hasAlpha ? CAIRO_FORMAT_ARGB32 : CAIRO_FORMAT_RGB24
        guard let surface = cairo_image_surface_create(format, Int32(image.width), Int32(image.height)) else { return nil }
        guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS, let data = cairo_image_surface_get_data(surface) else {
            cairo_surface_destroy(surface); return nil
        }
        cairo_surface_flush(surface)
        let stride = Int(cairo_image_surface_get_stride(surface))
        let n = image.format.rawValue
        image.pixels.withUnsafeBufferPointer { src in
            for y in 0..<image.height {
                let row = UnsafeMutableRawPointer(data + y * stride).assumingMemoryBound(to: UInt32.self)
                for x in 0..<image.width {
                    let i = (y * image.width + x) * n
                    var r = UInt32(src[i]), g = r, b = r, a: UInt32 = 255
                    if n >= 3 { g = UInt32(src[i + 1]); b = UInt32(src[i + 2]) }
                    if hasAlpha {
                        a = UInt32(src[i + 3])
                        r = (r * a + 127) / 255; g = (g * a + 127) / 255; b = (b * a + 127) / 255
                    }
                    row[x] = (a << 24) | (r << 16) | (g << 8) | b
                }
            }
        }
        cairo_surface_mark_dirty(surface)
        return surface
    }
}
