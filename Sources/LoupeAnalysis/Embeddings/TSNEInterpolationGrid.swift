import LoupeTensor

extension TSNEInterpolation {
    /// The FFT side of the interpolation: `size × size` charge grids whose first `used` rows and
    /// columns hold node values (the rest is zero padding, size ≥ 2·used), convolved with the squared
    /// Student-t kernel by 2-D FFT in Float32 (8 SIMD lanes per transform), both cores used.
    ///
    /// Grids are stored in tiles of 8 columns (`index`): a tile is a compact block of 8 side-by-side
    /// columns, so the column transforms (SIMD across the 8 lanes) read and write it in place without
    /// gathering, and the row transforms gather 8 rows through contiguous 8 × 8 sub-tiles. The padding
    /// is neither read (the forward transforms skip their zero upper half when the plan allows it) nor
    /// written back (of an inverse, only the used rows and columns return to the grid).
    struct Grid {
        let size: Int, used: Int
        let workspace: Workspace
        /// Columns per tile = lanes per transform call.
        static let block = 8

        init(size: Int, used: Int, workspace: Workspace) {
            self.size = size
            self.used = used
            self.workspace = workspace
        }

        /// Offset of node (row r, column c) of a `size × size` grid: tile c / 8, row r, lane c % 8.
        @inline(__always) static func index(_ r: Int, _ c: Int, size: Int) -> Int {
            (c >> 3) * (size << 3) + (r << 3) + (c & 7)
        }

        /// Values a tiled `size × size` grid occupies.
        static func count(size: Int) -> Int { (size + 7) / 8 * 8 * size }

        /// Number of tiles holding the used columns.
        var usedTiles: Int { (used + 7) / 8 }

        /// Whether the transforms may skip the zero upper half of their inputs.
        var prunes: Bool { workspace.plan.prunesZeroUpperHalf && used <= size / 2 }

        /// Zeroes the used rows of the used tiles of both charge grids (all that the spread writes), and
        /// rows used..<size/2 of every tile, which a pruned column transform reads as its non-zero half.
        func clearCharges() {
            let band = prunes ? size / 2 : used
            for grid in [workspace.aRe, workspace.aIm, workspace.bRe, workspace.bIm] {
                for t in 0..<usedTiles { (grid + t * size * 8).update(repeating: 0, count: used * 8) }
                guard band > used else { continue }
                for t in 0..<((size + 7) / 8) { (grid + t * size * 8 + used * 8).update(repeating: 0, count: (band - used) * 8) }
            }
        }

        /// Replaces both charge grids (a = aRe + i·aIm, b likewise) on their used block by their circular
        /// convolution with the kernel whose spectrum `kernel(spacing:)` left in the workspace: forward
        /// FFTs of the used rows; then per tile the forward FFT down its columns (both grids), the kernel
        /// product and the inverse FFT, of which the used rows go back; then inverse FFTs of the used rows.
        func convolve() {
            let ws = workspace
            let grids = [(ws.aRe, ws.aIm), (ws.bRe, ws.bIm)].map { (SendablePointer($0.0), SendablePointer($0.1)) }
            rowPass(grids, inverse: false)
            let size = self.size, used = self.used, plan = ws.plan, width = Grid.block
            let nonzero = prunes ? used : size
            let tiles = (size + width - 1) / width
            let k = SendablePointer(ws.kernel)
            Parallel.forEachChunk(tiles, grain: 1) { range in
                let scratch = TransformScratch(size: size, width: width)
                defer { scratch.deallocate() }
                let (cRe, cIm, work) = (scratch.re, scratch.im, scratch.work)
                for tile in range {
                    let offset = tile * size * width, kernel = k.base + offset
                    for (gr, gi) in grids {
                        let tileRe = gr.base + offset, tileIm = gi.base + offset
                        if nonzero < size {
                            plan.transform(sourceRe: tileRe, sourceIm: tileIm, sourceStride: width, destinationRe: cRe, destinationIm: cIm,
                                           destinationStride: width, batch: width, inverse: false, nonzeroInputs: nonzero, work: work)
                        } else {
                            cRe.update(from: tileRe, count: used * width); cIm.update(from: tileIm, count: used * width)
                            (cRe + used * width).update(repeating: 0, count: (size - used) * width)
                            (cIm + used * width).update(repeating: 0, count: (size - used) * width)
                            plan.transform(sourceRe: cRe, sourceIm: cIm, sourceStride: width, destinationRe: cRe, destinationIm: cIm,
                                           destinationStride: width, batch: width, inverse: false, work: work)
                        }
                        for e in 0..<(size * width) { cRe[e] *= kernel[e]; cIm[e] *= kernel[e] }
                        plan.transform(sourceRe: cRe, sourceIm: cIm, sourceStride: width, destinationRe: cRe, destinationIm: cIm,
                                       destinationStride: width, batch: width, inverse: true, work: work)
                        tileRe.update(from: cRe, count: used * width); tileIm.update(from: cIm, count: used * width)
                    }
                }
            }
            rowPass(grids, inverse: true)
        }

        /// FFTs of the used rows of each grid, 8 rows at a time gathered side by side: forward reads the
        /// used columns (the rest is zero) and writes whole rows; inverse writes back the used columns.
        private func rowPass(_ grids: [(SendablePointer<Float>, SendablePointer<Float>)], inverse: Bool) {
            let size = self.size, used = self.used, plan = workspace.plan, width = Grid.block
            let prunes = self.prunes, usedTiles = self.usedTiles, tiles = (size + width - 1) / width
            let blocks = (used + width - 1) / width
            Parallel.forEachChunk(grids.count * blocks, grain: 1) { range in
                let scratch = TransformScratch(size: size, width: width)
                defer { scratch.deallocate() }
                let (re, im, work) = (scratch.re, scratch.im, scratch.work)
                for job in range {
                    let (gr, gi) = grids[job / blocks]
                    let r0 = (job % blocks) * width, n = min(width, used - r0)
                    // Gather: sub-tile (rows r0..<r0+8, columns 8t..<8t+8) is 64 contiguous values, transposed here.
                    let readTiles = inverse ? tiles : usedTiles
                    for t in 0..<readTiles {
                        let sourceRe = gr.base + t * size * width + r0 * width, sourceIm = gi.base + t * size * width + r0 * width
                        let columns = min(width, size - t * width)
                        if n == width && columns == width {
                            Grid.transpose8(sourceRe, re + t * width * width)
                            Grid.transpose8(sourceIm, im + t * width * width)
                            continue
                        }
                        for j in 0..<columns {
                            let outRe = re + (t * width + j) * width, outIm = im + (t * width + j) * width
                            for b in 0..<n { outRe[b] = sourceRe[b * width + j]; outIm[b] = sourceIm[b * width + j] }
                            for b in n..<width { outRe[b] = 0; outIm[b] = 0 }
                        }
                    }
                    if !inverse {
                        // Columns past the used tiles are zero; the pruned plan never reads the upper half.
                        let zeroEnd = prunes ? max(usedTiles * width, size / 2) : size
                        let from = min(usedTiles * width, size)
                        if zeroEnd > from {
                            (re + from * width).update(repeating: 0, count: (zeroEnd - from) * width)
                            (im + from * width).update(repeating: 0, count: (zeroEnd - from) * width)
                        }
                    }
                    plan.transform(sourceRe: re, sourceIm: im, sourceStride: width, destinationRe: re, destinationIm: im,
                                   destinationStride: width, batch: width, inverse: inverse,
                                   nonzeroInputs: inverse ? nil : used, work: work)
                    let writeTiles = inverse ? usedTiles : tiles
                    for t in 0..<writeTiles {
                        let targetRe = gr.base + t * size * width + r0 * width, targetIm = gi.base + t * size * width + r0 * width
                        let columns = min(width, size - t * width)
                        if n == width && columns == width {
                            Grid.transpose8(re + t * width * width, targetRe)
                            Grid.transpose8(im + t * width * width, targetIm)
                            continue
                        }
                        for b in 0..<n {
                            for j in 0..<columns {
                                targetRe[b * width + j] = re[(t * width + j) * width + b]
                                targetIm[b * width + j] = im[(t * width + j) * width + b]
                            }
                        }
                    }
                }
            }
        }

        /// Writes the transpose of the 8 × 8 row-major block `source` to `target` (target[j·8 + b] = source[b·8 + j]).
        @inline(__always) static func transpose8(_ source: UnsafeMutablePointer<Float>, _ target: UnsafeMutablePointer<Float>) {
            let r0 = SIMD8<Float>.load(source, 0), r1 = SIMD8<Float>.load(source, 8), r2 = SIMD8<Float>.load(source, 16)
            let r3 = SIMD8<Float>.load(source, 24), r4 = SIMD8<Float>.load(source, 32), r5 = SIMD8<Float>.load(source, 40)
            let r6 = SIMD8<Float>.load(source, 48), r7 = SIMD8<Float>.load(source, 56)
            for j in 0..<8 {
                SIMD8<Float>.store(SIMD8(r0[j], r1[j], r2[j], r3[j], r4[j], r5[j], r6[j], r7[j]), target, j * 8)
            }
        }
    }
}
