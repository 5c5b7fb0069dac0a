import LoupeTensor

extension TSNEInterpolation.Grid {
    /// Fills the workspace's kernel spectrum: the FFT of (1 + d²)⁻² over node offsets
    /// (−used, used) × (−used, used) in circulant order, node spacing `spacing`, scaled by 1/size²,
    /// stored in the grids' tiled layout (`index`).
    ///
    /// The kernel is real, even along both axes and symmetric in x ↔ y, so its spectrum is too: only
    /// the `used` distinct rows are transformed (along c, two rows per complex transform, real and
    /// imaginary parts apart), then only the columns kc ≤ size/2 (along r, two per transform); the
    /// other half of each row is its mirror image.
    func kernel(spacing: Double) {
        let size = self.size, used = self.used, plan = workspace.plan
        let half = size / 2, h2 = spacing * spacing, width = TSNEInterpolation.Grid.block
        /// Signed offset of circulant index a, nil in the zero band.
        @inline(__always) func offset(_ a: Int) -> Int? { a < used ? a : (a > size - used ? a - size : nil) }
        // Row spectra R[kc][oy] for oy < used, kc ≤ size/2 (real), in `rows` with row stride `used`.
        let rows = SendablePointer(workspace.kernelRows)
        let rowJobs = (used + 2 * width - 1) / (2 * width)
        Parallel.forEachChunk(rowJobs, grain: 1) { range in
            let scratch = TransformScratch(size: size, width: width)
            defer { scratch.deallocate() }
            let (re, im, work) = (scratch.re, scratch.im, scratch.work)
            for job in range {
                let o0 = 2 * width * job
                for (target, start) in [(re, o0), (im, o0 + width)] {
                    for b in 0..<width {
                        let oy = start + b
                        guard oy < used else {
                            for c in 0..<size { target[c * width + b] = 0 }
                            continue
                        }
                        // Columns c ≤ size/2 have offset c (zero band from `used` on); column size − c mirrors c.
                        let base = 1 + h2 * Double(oy * oy)
                        for c in 0...half {
                            var value: Float = 0
                            if c < used {
                                let w = 1 / (base + h2 * Double(c * c))
                                value = Float(w * w)
                            }
                            target[c * width + b] = value
                            if c > 0 && size - c != c { target[(size - c) * width + b] = value }
                        }
                    }
                }
                plan.transform(sourceRe: re, sourceIm: im, sourceStride: width, destinationRe: re, destinationIm: im,
                               destinationStride: width, batch: width, inverse: false, work: work)
                for (source, start) in [(re, o0), (im, o0 + width)] {
                    for b in 0..<width where start + b < used {
                        for kc in 0...half { rows.base[kc * used + start + b] = source[kc * width + b] }
                    }
                }
            }
        }
        // Column spectra along r of R[kc][|oy(r)|] for kc ≤ size/2, mirrored into kc and size − kc.
        let k = SendablePointer(workspace.kernel)
        let scale = 1 / Float(size * size)
        let columnJobs = (half + 1 + 2 * width - 1) / (2 * width)
        Parallel.forEachChunk(columnJobs, grain: 1) { range in
            let scratch = TransformScratch(size: size, width: width)
            defer { scratch.deallocate() }
            let (re, im, work) = (scratch.re, scratch.im, scratch.work)
            for job in range {
                let k0 = 2 * width * job
                for (target, start) in [(re, k0), (im, k0 + width)] {
                    for r in 0..<size {
                        let oy = offset(r).map { abs($0) }
                        for b in 0..<width {
                            let kc = start + b
                            target[r * width + b] = kc <= half && oy != nil ? rows.base[kc * used + (oy ?? 0)] : 0
                        }
                    }
                }
                plan.transform(sourceRe: re, sourceIm: im, sourceStride: width, destinationRe: re, destinationIm: im,
                               destinationStride: width, batch: width, inverse: false, work: work)
                for (source, start) in [(re, k0), (im, k0 + width)] {
                    // Lanes start..<start+8 are one whole tile (start is a multiple of 8); the mirrors go one by one.
                    // Partial tiles (lanes past size/2 belong to mirrors written by other jobs) go one by one too.
                    let whole = start + width - 1 <= half && start + width <= size
                    let tile = k.base + (start / width) * size * width
                    if whole {
                        for e in 0..<(size * width) { tile[e] = source[e] * scale }
                    }
                    for b in 0..<width where start + b <= half {
                        let kc = start + b, mirror = (size - kc) % size
                        if !whole {
                            for kr in 0..<size { k.base[TSNEInterpolation.Grid.index(kr, kc, size: size)] = source[kr * width + b] * scale }
                        }
                        guard mirror != kc else { continue }
                        for kr in 0..<size { k.base[TSNEInterpolation.Grid.index(kr, mirror, size: size)] = source[kr * width + b] * scale }
                    }
                }
            }
        }
    }
}

/// One worker's scratch for batched transforms of `width` columns of `size` points: a re/im pair
/// and the transform's two work pairs, in one allocation.
struct TransformScratch {
    private let buffer: UnsafeMutablePointer<Float>
    let re: UnsafeMutablePointer<Float>
    let im: UnsafeMutablePointer<Float>
    let work: ((UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>), (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>))

    init(size: Int, width: Int) {
        let part = size * width
        buffer = UnsafeMutablePointer<Float>.allocate(capacity: 6 * part)
        re = buffer
        im = buffer + part
        work = ((buffer + 2 * part, buffer + 3 * part), (buffer + 4 * part, buffer + 5 * part))
    }

    func deallocate() { buffer.deallocate() }
}

