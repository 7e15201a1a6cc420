# Writes meta-colour-xmp.png (testvectors/README.md): 16x16 RGB 8-bit with
# sRGB, gAMA, cHRM (the sRGB values) and an XMP packet in an iTXt chunk.
import struct, zlib
def chunk(t, d):
    return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
w = h = 16
raw = b''.join(b'\0' + b''.join(bytes((x * 16, y * 16, (x + y) * 8)) for x in range(w))
              for y in range(h))
xmp = (b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>'
       b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>lat test</dc:title>'
       b'</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>')
png = b'\x89PNG\r\n\x1a\n'
png += chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0))
png += chunk(b'sRGB', b'\x00')
png += chunk(b'gAMA', struct.pack('>I', 45455))
png += chunk(b'cHRM', struct.pack('>8I', 31270, 32900, 64000, 33000, 30000, 60000, 15000, 6000))
png += chunk(b'iTXt', b'XML:com.adobe.xmp\0\0\0\0\0' + xmp)
png += chunk(b'IDAT', zlib.compress(raw, 9))
png += chunk(b'IEND', b'')
open('meta-colour-xmp.png', 'wb').write(png)
