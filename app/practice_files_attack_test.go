package app

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"testing"
)

// pngOfZeros writes a valid PNG of w × h pixels, 16 bits per channel with
// alpha (colour type 6), all zero: it compresses to almost nothing.
func pngOfZeros(t *testing.T, w, h int) []byte {
	t.Helper()
	var idat bytes.Buffer
	z, err := zlib.NewWriterLevel(&idat, zlib.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	row := make([]byte, 1+w*8)
	for range h {
		if _, err := z.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		_ = binary.Write(&out, binary.BigEndian, uint32(len(data)))
		out.WriteString(typ)
		out.Write(data)
		_ = binary.Write(&out, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 16, 6
	chunk("IHDR", ihdr)
	chunk("IDAT", idat.Bytes())
	chunk("IEND", nil)
	return out.Bytes()
}

// Found from outside (issue 8): a 380 KB PNG of 7,000 × 7,000 pixels at 16
// bits per channel passed the pixel limit and was decoded whole to check
// it: 392 MB and 4 s for one upload, so a few members' uploads at once could
// exhaust the server's memory. Such an image is now refused from its header,
// and at most two images are decoded at a time.
func TestAttachmentDecompressionBombRefused(t *testing.T) {
	t.Parallel()
	bomb := pngOfZeros(t, 4600, 4600) // 21 Mpx: 169 MB to decode, 170 KB to send
	if len(bomb) > 1<<20 {
		t.Fatalf("the bomb is %d bytes", len(bomb))
	}
	if typ := sniffAttachment(bomb); typ != "" {
		t.Errorf("a PNG that decodes to %d MB is accepted as %s", 4600*4600*8>>20, typ)
	}
	// An ordinary image is still accepted.
	img := image.NewNRGBA(image.Rect(0, 0, 640, 480))
	img.Set(3, 4, color.NRGBA{R: 200, A: 255})
	var ok bytes.Buffer
	if err := png.Encode(&ok, img); err != nil {
		t.Fatal(err)
	}
	if typ := sniffAttachment(ok.Bytes()); typ != "image/png" {
		t.Errorf("an ordinary PNG is refused: %q", typ)
	}
	// A 40-megapixel photo is within the bound.
	if b := decodedBytes(image.Config{ColorModel: color.YCbCrModel, Width: 7744, Height: 5184}); b > maxDecodedBytes {
		t.Errorf("a 40 Mpx JPEG counts %d bytes", b)
	}
}
