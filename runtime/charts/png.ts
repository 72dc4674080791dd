// SVG to PNG with sharp (librsvg), for the charts and diagrams. sharp is imported when needed.

/** Renders an SVG document to PNG bytes at `density` dpi (96 = the SVG's own pixel size). */
export async function svgToPng(svg: string, density = 144): Promise<Buffer> {
  const { default: sharp } = await import("sharp");
  return sharp(Buffer.from(svg), { density }).png().toBuffer();
}
