package org.hadirector.ipvs.xdp;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A BPF object file as clang writes it (ELF64, little-endian, EM_BPF, relocatable), read in Java
 * so that no libbpf is needed at run time: its programs (executable sections), its maps (the
 * "maps" section, one {@code struct hd_map_def} of five u32 per map symbol), the references each
 * program makes to a map (R_BPF_64_64 relocations of ld_imm64 instructions) and its license.
 * {@link #linked} gives a program's instructions with each map reference set to the map's file
 * descriptor, as the kernel wants them (src_reg BPF_PSEUDO_MAP_FD). Pure: the kernel calls are
 * {@link XdpProgram}'s.
 */
public final class BpfObject {
    private static final int EM_BPF = 247;
    private static final int ET_REL = 1;
    private static final int SHT_SYMTAB = 2;
    private static final int SHT_REL = 9;
    private static final long SHF_EXECINSTR = 0x4;
    private static final int R_BPF_64_64 = 1;
    private static final int MAP_DEF_SIZE = 20;
    private static final int BPF_LD_IMM64 = 0x18;
    private static final int BPF_PSEUDO_MAP_FD = 1;

    /** A map as the object declares it. */
    public record MapDef(String name, int type, int keySize, int valueSize, int maxEntries, int flags) {}

    /** An ld_imm64 at this byte offset of a program that loads this map. */
    public record MapRef(int offset, String map) {}

    /** A program: its section (the attach type by libbpf's convention, "xdp"), function and code. */
    public record Program(String section, String function, byte[] instructions, List<MapRef> maps) {
        public Program {
            instructions = instructions.clone();
            maps = List.copyOf(maps);
        }

        @Override
        public byte[] instructions() {
            return instructions.clone();
        }
    }

    private final Map<String, MapDef> maps;
    private final Map<String, Program> programs;
    private final String license;

    private BpfObject(Map<String, MapDef> maps, Map<String, Program> programs, String license) {
        this.maps = maps;
        this.programs = programs;
        this.license = license;
    }

    /** The object a resource of this class's package holds (the build's xdp_dr.o). */
    public static BpfObject resource(String name) throws IOException {
        try (InputStream in = BpfObject.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("the BPF object " + name + " is not in the jar (built without clang?)");
            }
            return parse(in.readAllBytes());
        }
    }

    private record Section(String name, int type, long flags, int offset, int size, int link, int info) {}

    /** Reads an object; anything it does not understand is an IOException saying what. */
    public static BpfObject parse(byte[] elf) throws IOException {
        try {
            return read(ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN));
        } catch (IndexOutOfBoundsException
                | java.nio.BufferUnderflowException
                | IllegalArgumentException
                | ArithmeticException
                | NegativeArraySizeException e) {
            throw new IOException("not a BPF object clang writes: " + e.getMessage(), e);
        }
    }

    private static BpfObject read(ByteBuffer b) throws IOException {
        if (b.limit() < 64 || b.getInt(0) != 0x464c457f) {
            throw new IOException("not an ELF file");
        }
        if (b.get(4) != 2 || b.get(5) != 1) {
            throw new IOException("not a 64-bit little-endian ELF file");
        }
        if (b.getShort(16) != ET_REL || b.getShort(18) != EM_BPF) {
            throw new IOException(
                    "not a relocatable BPF object (type " + b.getShort(16) + ", machine " + b.getShort(18) + ")");
        }
        int shoff = Math.toIntExact(b.getLong(40));
        int shentsize = b.getShort(58) & 0xffff;
        int shnum = b.getShort(60) & 0xffff;
        int shstrndx = b.getShort(62) & 0xffff;
        if (shentsize != 64 || shstrndx >= shnum) {
            throw new IOException("section headers of " + shentsize + " bytes, names in " + shstrndx + " of " + shnum);
        }
        int[][] raw = new int[shnum][];
        long[] flags = new long[shnum];
        for (int i = 0; i < shnum; i++) {
            int h = shoff + i * 64;
            raw[i] = new int[] {
                b.getInt(h),
                b.getInt(h + 4),
                Math.toIntExact(b.getLong(h + 24)),
                Math.toIntExact(b.getLong(h + 32)),
                b.getInt(h + 40),
                b.getInt(h + 44)
            };
            flags[i] = b.getLong(h + 8);
            if (raw[i][1] != 8 /* NOBITS */ && (raw[i][2] < 0 || raw[i][2] + (long) raw[i][3] > b.limit())) {
                throw new IOException("section " + i + " lies outside the file");
            }
        }
        List<Section> sections = new ArrayList<>();
        for (int i = 0; i < shnum; i++) {
            String name = string(b, raw[shstrndx][2], raw[shstrndx][3], raw[i][0]);
            sections.add(new Section(name, raw[i][1], flags[i], raw[i][2], raw[i][3], raw[i][4], raw[i][5]));
        }

        Section symtab = sections.stream()
                .filter(s -> s.type == SHT_SYMTAB)
                .findFirst()
                .orElseThrow(() -> new IOException("no symbol table"));
        if (symtab.link < 0 || symtab.link >= sections.size() || sections.get(symtab.link).type == 8) {
            throw new IOException("the symbol table's names in section " + symtab.link);
        }
        Section strtab = sections.get(symtab.link);
        record Symbol(String name, int section, long value) {}
        List<Symbol> symbols = new ArrayList<>();
        for (int at = symtab.offset; at + 24 <= symtab.offset + symtab.size; at += 24) {
            symbols.add(new Symbol(
                    string(b, strtab.offset, strtab.size, b.getInt(at)),
                    b.getShort(at + 6) & 0xffff,
                    b.getLong(at + 8)));
        }

        int mapsIndex = index(sections, "maps");
        Map<String, MapDef> maps = new LinkedHashMap<>();
        Map<Long, String> mapAt = new LinkedHashMap<>();
        if (mapsIndex >= 0) {
            Section ms = sections.get(mapsIndex);
            for (Symbol s : symbols) {
                if (s.section == mapsIndex && !s.name.isEmpty()) {
                    if (s.value < 0 || s.value + MAP_DEF_SIZE > ms.size || s.value % 4 != 0) {
                        throw new IOException("map " + s.name + " at " + s.value + " of a maps section of " + ms.size);
                    }
                    int d = ms.offset + (int) s.value;
                    maps.put(
                            s.name,
                            new MapDef(
                                    s.name,
                                    b.getInt(d),
                                    b.getInt(d + 4),
                                    b.getInt(d + 8),
                                    b.getInt(d + 12),
                                    b.getInt(d + 16)));
                    mapAt.put(s.value, s.name);
                }
            }
        }

        Map<String, Program> programs = new LinkedHashMap<>();
        for (int i = 0; i < sections.size(); i++) {
            Section s = sections.get(i);
            if ((s.flags & SHF_EXECINSTR) == 0 || s.size == 0) {
                continue;
            }
            if (s.type != 1 /* PROGBITS */) {
                throw new IOException("executable section " + s.name + " of type " + s.type);
            }
            if (s.name.equals(".text")) {
                throw new IOException("code in .text (a function clang did not inline): the loader links no calls");
            }
            if (s.size % 8 != 0) {
                throw new IOException("section " + s.name + " of " + s.size + " bytes");
            }
            byte[] code = new byte[s.size];
            b.get(s.offset, code);
            String function = "";
            for (Symbol sym : symbols) {
                if (sym.section == i && sym.value == 0 && !sym.name.isEmpty() && !sym.name.equals(s.name)) {
                    function = sym.name;
                }
            }
            List<MapRef> refs = new ArrayList<>();
            for (Section rel : sections) {
                if (rel.type != SHT_REL || rel.info != i) {
                    continue;
                }
                for (int at = rel.offset; at + 16 <= rel.offset + rel.size; at += 16) {
                    long offset = b.getLong(at);
                    long info = b.getLong(at + 8);
                    int type = (int) info;
                    int symbol = (int) (info >>> 32);
                    if (symbol >= symbols.size()) {
                        throw new IOException(s.name + ": relocation to symbol " + symbol + " of " + symbols.size());
                    }
                    Symbol target = symbols.get(symbol);
                    if (type != R_BPF_64_64 || target.section != mapsIndex) {
                        throw new IOException(s.name + ": a reference to " + target.name
                                + " that is not a map (relocation type " + type + "); globals are not supported");
                    }
                    if (offset < 0 || offset + 16 > code.length || (code[(int) offset] & 0xff) != BPF_LD_IMM64) {
                        throw new IOException(
                                s.name + ": the reference to " + target.name + " at " + offset + " is not an ld_imm64");
                    }
                    String map = mapAt.get(target.value);
                    if (map == null) {
                        throw new IOException(s.name + ": no map at offset " + target.value);
                    }
                    refs.add(new MapRef((int) offset, map));
                }
            }
            programs.put(s.name, new Program(s.name, function, code, refs));
        }
        int li = index(sections, "license");
        String license = li < 0 ? "" : string(b, sections.get(li).offset, sections.get(li).size, 0);
        return new BpfObject(maps, programs, license);
    }

    private static int index(List<Section> sections, String name) {
        for (int i = 0; i < sections.size(); i++) {
            if (sections.get(i).name.equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private static String string(ByteBuffer b, int tableOffset, int tableSize, int at) throws IOException {
        if (at < 0 || at >= tableSize) {
            throw new IOException("a name at " + at + " of a string table of " + tableSize);
        }
        int end = tableOffset + at;
        while (end < tableOffset + tableSize && b.get(end) != 0) {
            end++;
        }
        byte[] s = new byte[end - tableOffset - at];
        b.get(tableOffset + at, s);
        return new String(s, StandardCharsets.US_ASCII);
    }

    public Map<String, MapDef> maps() {
        return maps;
    }

    public MapDef map(String name) {
        MapDef m = maps.get(name);
        if (m == null) {
            throw new IllegalArgumentException("no map " + name + " in the object (has " + maps.keySet() + ")");
        }
        return m;
    }

    public Map<String, Program> programs() {
        return programs;
    }

    public Program program(String section) {
        Program p = programs.get(section);
        if (p == null) {
            throw new IllegalArgumentException("no program in section " + section + " (has " + programs.keySet() + ")");
        }
        return p;
    }

    public String license() {
        return license;
    }

    /** The program's instructions with every map reference set to that map's descriptor. */
    public static byte[] linked(Program p, Map<String, Integer> fds) {
        byte[] code = p.instructions();
        ByteBuffer b = ByteBuffer.wrap(code).order(ByteOrder.LITTLE_ENDIAN);
        for (MapRef r : p.maps()) {
            Integer fd = fds.get(r.map());
            if (fd == null) {
                throw new IllegalArgumentException("no descriptor for map " + r.map());
            }
            int dst = code[r.offset() + 1] & 0x0f;
            code[r.offset() + 1] = (byte) (dst | (BPF_PSEUDO_MAP_FD << 4));
            b.putInt(r.offset() + 4, fd);
            b.putInt(r.offset() + 12, 0); // the second half's imm: the upper 32 bits, none for an fd
        }
        return code;
    }
}
