/* placeholder: replaced by the real implementation */
typedef int csim_placeholder_t;
